// A fake lab guest that does what cloud-init does with ingot's seed, enough for a build to reach
// it: read user-data from the NoCloud ISO in its CD drive (with isoinfo, an independent reader),
// take the host key from `ssh_keys` and the build user's authorized key from `users`, and serve
// SSH with them at the guest's own address, port 22 (as the QEMU runner's hostfwd does). Commands
// run for real in a temp dir (test/support/ssh/server.ts), with sudo/cloud-init/poweroff shims.
import YAML from 'yaml';
import type { GuestSpec } from '../../../src/lab/hypervisor.js';
import { isoinfoExtract } from '../guest-iso/iso-tools.js';
import { startSshFixture, type SshFixture } from '../ssh/server.js';
import type { FakeGuest, FakeGuestScript } from './fake-hypervisor.js';

interface SeedAccess {
  username: string;
  authorizedKey: string;
  hostKey: { private: string; public: string };
}

/** The build access a seed hands in, read as cloud-init reads it (YAML 1.1). */
export function seedAccess(spec: GuestSpec): SeedAccess {
  const cd = spec.disks.find((d) => d.kind === 'cdrom');
  if (cd === undefined) throw new Error(`fake guest ${spec.name}: no CD in the drive, so no seed`);
  const userData = YAML.parse(isoinfoExtract(cd.path, '/user-data', 'R').toString('utf8'), { version: '1.1' }) as {
    users?: Array<string | { name: string; ssh_authorized_keys?: string[] }>;
    ssh_keys?: { ed25519_private?: string; ed25519_public?: string };
  };
  const user = userData.users?.find((u): u is { name: string; ssh_authorized_keys: string[] } => typeof u === 'object' && (u.ssh_authorized_keys?.length ?? 0) > 0);
  const keys = userData.ssh_keys;
  if (user === undefined || keys?.ed25519_private === undefined || keys.ed25519_public === undefined) {
    throw new Error(`fake guest ${spec.name}: the seed's user-data has no user with a key or no ed25519 host key`);
  }
  return { username: user.name, authorizedKey: user.ssh_authorized_keys[0]!, hostKey: { private: keys.ed25519_private, public: keys.ed25519_public } };
}

/**
 * A FakeGuestScript whose guests serve SSH from their seed. `started` receives each guest's sshd,
 * so a test can look at the commands it ran or make it misbehave; `hangOnPoweroff` makes a guest
 * that never halts by itself.
 */
export function sshFromSeed(started: (sshd: SshFixture, guest: FakeGuest) => void = () => undefined, opts: { hangOnPoweroff?: boolean } = {}): FakeGuestScript {
  return {
    async onBoot(guest) {
      const access = seedAccess(guest.spec);
      // A poweroff inside the guest stops the VM, as the guest's kernel would — unless the test
      // wants a guest that hangs on the way down (sshd gone, the VM still Running).
      const onPower = (action: 'reboot' | 'poweroff'): void => {
        if (action === 'poweroff' && opts.hangOnPoweroff !== true) setTimeout(() => guest.exit('poweroff'), 20);
      };
      const sshd = await startSshFixture({ host: guest.spec.address, port: 22, ...access, onPower });
      started(sshd, guest);
      return () => sshd.close();
    },
  };
}
