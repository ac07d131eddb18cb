// A NoCloud seed ISO (volume id "cidata") written with genisoimage, for booting the test image.
// ingot's own ISO writer (src/guest) is tested separately; this one is the reference tool.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: its named exports exist only on the default export under Node's ESM loader.
const { utils } = ssh2;

export interface SeedKeys {
  /** The default user's login key pair (OpenSSH format). */
  user: { private: string; public: string };
  /** The guest's ed25519 host key pair, so the client can pin it. */
  host: { private: string; public: string };
}

export function generateSeedKeys(): SeedKeys {
  const user = utils.generateKeyPairSync('ed25519', { comment: 'ingot-test-user' });
  const host = utils.generateKeyPairSync('ed25519', { comment: 'ingot-test-host' });
  return { user: { private: user.private, public: user.public }, host: { private: host.private, public: host.public } };
}

const indent = (text: string, spaces: number): string => text.trimEnd().split('\n').map((l) => `${' '.repeat(spaces)}${l}`).join('\n');

/** Writes user-data, meta-data and seed.iso into `dir`; returns the ISO's path. */
export async function writeNoCloudSeed(dir: string, opts: { instanceId: string; hostname: string; keys: SeedKeys }): Promise<string> {
  const userData = `#cloud-config
ssh_pwauth: false
ssh_authorized_keys:
  - ${opts.keys.user.public}
ssh_deletekeys: true
ssh_keys:
  ed25519_private: |
${indent(opts.keys.host.private, 4)}
  ed25519_public: ${opts.keys.host.public}
runcmd:
  - [touch, /var/tmp/ingot-runcmd-done]
`;
  const metaData = `instance-id: ${opts.instanceId}\nlocal-hostname: ${opts.hostname}\n`;
  await writeFile(join(dir, 'user-data'), userData);
  await writeFile(join(dir, 'meta-data'), metaData);
  const iso = join(dir, 'seed.iso');
  await execa('genisoimage', ['-quiet', '-output', iso, '-volid', 'cidata', '-joliet', '-rock', 'user-data', 'meta-data'], { cwd: dir, timeout: 30_000 });
  return iso;
}
