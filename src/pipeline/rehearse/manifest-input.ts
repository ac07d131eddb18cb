// What `ingot rehearse` reads from the build manifest (beside the VHD, or --manifest): the login
// user (readiness.ssh_user), what the build guest looked like (readiness.build_identity) and the
// build user that must be gone. Everything else in the file is ignored.
import { readFile } from 'node:fs/promises';
import { IngotError } from '../../errors/index.js';
import { DEFAULT_BUILD_USER } from '../../guest/seed/index.js';
import { manifestPathFor } from '../manifest.js';
import type { BuildIdentity } from './checks.js';

export interface RehearseManifest {
  path: string;
  sshUser?: string;
  buildUser: string;
  identity?: BuildIdentity;
  buildId?: string;
}

const obj = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** The manifest named by --manifest (must exist), or the one beside the VHD (may be absent). */
export async function readRehearseManifest(vhdPath: string, explicit: string | undefined): Promise<RehearseManifest | undefined> {
  const path = explicit ?? manifestPathFor(vhdPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (explicit === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IngotError('INPUT_UNREADABLE', `cannot read the manifest ${path}: ${(error as Error).message}`, { hint: 'Check the --manifest path.', cause: error });
  }
  let doc: Record<string, unknown>;
  try {
    doc = obj(JSON.parse(text));
  } catch (error) {
    throw new IngotError('INPUT_UNREADABLE', `the manifest ${path} is not JSON: ${(error as Error).message}`, { hint: 'Pass another with --manifest, or rebuild the image.', cause: error });
  }
  const readiness = obj(doc.readiness);
  const identity = parseIdentity(readiness.build_identity, path);
  const sshUser = str(readiness.ssh_user);
  const buildId = str(obj(doc.build).id);
  return {
    path,
    buildUser: str(readiness.build_user) ?? DEFAULT_BUILD_USER,
    ...(sshUser ? { sshUser } : {}),
    ...(identity ? { identity } : {}),
    ...(buildId ? { buildId } : {}),
  };
}

function parseIdentity(value: unknown, path: string): BuildIdentity | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = obj(value);
  const keys = raw.host_key_fingerprints;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && /^SHA256:[A-Za-z0-9+/]{43}$/.test(k))) {
    throw new IngotError('INPUT_UNREADABLE', `the manifest ${path}: readiness.build_identity.host_key_fingerprints is not a list of SHA256: fingerprints`, {
      hint: 'Rebuild the image with ingot (readiness target rackspace records it), or pass a manifest ingot wrote.',
    });
  }
  const machine = str(raw.machine_id_sha256);
  if (machine !== undefined && !/^[0-9a-f]{64}$/i.test(machine)) {
    throw new IngotError('INPUT_UNREADABLE', `the manifest ${path}: readiness.build_identity.machine_id_sha256 is not 64 hex digits`, { hint: 'Rebuild the image with ingot.' });
  }
  const hostname = str(raw.hostname);
  return { host_key_fingerprints: keys as string[], ...(hostname ? { hostname } : {}), ...(machine ? { machine_id_sha256: machine.toLowerCase() } : {}) };
}
