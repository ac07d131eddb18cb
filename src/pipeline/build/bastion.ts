// The SSH jump host for guests the workstation cannot reach directly (a build network behind the
// hypervisor). Its host key is pinned like the guest's; never trust-on-first-use.
import { readFile } from 'node:fs/promises';
import { parseJumpSpec, type SshEndpoint } from '../../guest/ssh/index.js';
import { IngotError } from '../../errors/index.js';
import type { Redactor } from '../../redact.js';

export async function bastionEndpoint(spec: string, env: NodeJS.ProcessEnv, redactor: Redactor): Promise<SshEndpoint> {
  const jump = parseJumpSpec(spec);
  const hostKey = env.INGOT_BASTION_HOST_KEY;
  if (hostKey === undefined || hostKey === '') {
    throw new IngotError('CONFIG_INVALID', `the bastion ${spec} has no pinned host key`, {
      hint: 'Set INGOT_BASTION_HOST_KEY to its host key line or SHA256: fingerprint (ssh-keyscan HOST | ssh-keygen -lf -).',
    });
  }
  const keyFile = env.INGOT_BASTION_KEY_FILE;
  if (keyFile !== undefined && keyFile !== '') {
    const privateKey = await readFile(keyFile, 'utf8').catch((error: unknown) => {
      throw new IngotError('SECRET_UNREADABLE', `cannot read the bastion key ${keyFile}`, { hint: 'Check INGOT_BASTION_KEY_FILE.', cause: error });
    });
    redactor.add(privateKey);
    return { ...jump, privateKey, hostKey };
  }
  if (env.SSH_AUTH_SOCK) return { ...jump, agent: env.SSH_AUTH_SOCK, hostKey };
  throw new IngotError('CONFIG_INVALID', `no credentials for the bastion ${spec}`, {
    hint: 'Set INGOT_BASTION_KEY_FILE to a private key file, or run an ssh-agent (SSH_AUTH_SOCK) holding the key.',
  });
}
