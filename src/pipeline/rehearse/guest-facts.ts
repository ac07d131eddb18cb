// Reads what the checks need from the logged-in rehearsal guest, as the ssh_user a customer would
// be; only the host key files are read through sudo when it is allowed.
import { fingerprint } from '../../guest/seed/index.js';
import { runInGuest, type GuestSession } from '../../guest/ssh/index.js';
import { shQuote } from '../../guest/ssh/steps/command.js';
import type { GuestFacts } from './checks.js';

const TIMEOUT_MS = 60_000;

export async function readGuestFacts(session: GuestSession, buildUser: string, presentedHostKey: string, signal: AbortSignal): Promise<GuestFacts> {
  const run = (command: string) => runInGuest(session, command, { allowFailure: true, timeoutMs: TIMEOUT_MS, signal, label: 'rehearse' });
  const hostname = (await run('hostname')).stdout.trim();
  // cloud-init writes host keys it was *given* with .pub files of mode 0600 (an image that kept the
  // build's would have those), so read as root when ssh_user may sudo, else as ssh_user.
  const keys = await run("sudo -n sh -c 'cat /etc/ssh/ssh_host_*_key.pub' 2>/dev/null || cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null");
  const hostKeyFingerprints = keys.stdout.split('\n').map((l) => l.trim()).filter((l) => /^(ssh-|ecdsa-)/.test(l)).flatMap((line) => {
    try {
      return [fingerprint(line)];
    } catch {
      return []; // a mangled .pub line is not a key the server can present; the check lists what was read
    }
  });
  const machineId = (await run('cat /etc/machine-id 2>/dev/null')).stdout;
  const status = await run('cloud-init status --long');
  const result = await run('cat /run/cloud-init/result.json');
  const lookup = await run(`getent passwd ${shQuote(buildUser)}`);
  return {
    hostname,
    hostKeyFingerprints,
    presentedHostKey,
    machineId,
    cloudInitStatus: { text: status.stdout, exitCode: status.exitCode },
    ...(result.exitCode === 0 ? { resultJson: result.stdout } : {}),
    buildUserLookup: { exitCode: lookup.exitCode, stdout: lookup.stdout },
  };
}
