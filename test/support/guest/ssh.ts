// SSH into a test guest with the ssh2 client: one command per connection, each under a hard
// deadline, because a forwarded port accepts before the guest is up and the banner exchange can
// then hang (lab-notes §2 "Readiness gotchas"); and the host key is pinned, never trusted on first use.
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: its named exports exist only on the default export under Node's ESM loader.
const { Client, utils } = ssh2;

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** The host's public key ("ssh-ed25519 AAAA…") the guest was seeded with. */
  hostKey: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function publicBlob(openssh: string): Buffer {
  const parsed = utils.parseKey(openssh);
  if (parsed instanceof Error) throw parsed;
  return (Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH();
}

/**
 * Runs one command on a fresh connection; rejects on any connection error, when the handshake
 * takes longer than `connectMs`, or when the whole exchange takes longer than `timeoutMs`.
 */
export function sshExec(target: SshTarget, command: string, timeoutMs: number, connectMs = 20_000): Promise<ExecResult> {
  const expected = publicBlob(target.hostKey);
  return new Promise((resolve, reject) => {
    const client = new Client();
    const timer = setTimeout(() => finish(new Error(`ssh ${target.host}: "${command}" did not finish within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const finish = (err: Error | undefined, result?: ExecResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      if (err) reject(err);
      else resolve(result!);
    };
    client.on('error', (err) => finish(err));
    client.on('close', () => finish(new Error(`ssh ${target.host}: connection closed before "${command}" finished`)));
    client.on('ready', () => {
      client.exec(command, (err, stream) => {
        if (err) return finish(err);
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('exit', (c: number | null) => (code = c));
        stream.on('close', () => finish(undefined, { code, stdout, stderr }));
      });
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: Math.min(timeoutMs, connectMs),
      hostVerifier: (key: Buffer) => key.equals(expected),
    });
  });
}

/**
 * Retries `command` until it exits 0 or `deadline` (epoch ms) passes. The first SSH success is
 * not "ready": cloud-init restarts sshd right after it first starts, resetting new connections.
 * Each handshake is bounded by `connectMs`; the command itself may run until the deadline
 * (`cloud-init status --wait` blocks for as long as cloud-init runs).
 */
export async function sshRetry(target: SshTarget, command: string, connectMs: number, deadline: number): Promise<ExecResult & { attempts: number }> {
  let attempts = 0;
  const seen = new Map<string, number>(); // distinct failures, for the final error
  while (Date.now() < deadline) {
    attempts++;
    let failure: string;
    try {
      const result = await sshExec(target, command, Math.max(1_000, deadline - Date.now()), connectMs);
      if (result.code === 0) return { ...result, attempts };
      failure = `exit ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 200)}`;
    } catch (err) {
      failure = (err as Error).message;
    }
    seen.set(failure, (seen.get(failure) ?? 0) + 1);
    await sleep(2_000);
  }
  const summary = [...seen].map(([f, n]) => `${n}x ${f}`).join('; ');
  throw new Error(`ssh ${target.host}: "${command}" did not succeed before the deadline (${attempts} attempts: ${summary})`);
}
