// What `ingot push` reads from the build manifest beside the VHD (<name>.manifest.json, written by
// src/pipeline/manifest.ts) when its flags omit it, and where it records the push result.
// The minimal shape read: { push: { rackspace: { image_name?, region?, container?, metadata?,
// segment_size? } }, readiness: { ssh_user? } }; everything else in the file is left untouched.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { IngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import { parseSize } from './slo.js';

export interface ManifestDefaults {
  path: string;
  name?: string;
  sshUser?: string;
  region?: string;
  container?: string;
  metadata: Record<string, string>;
  segmentSize?: number;
}

export function manifestPathFor(vhdPath: string): string {
  return `${vhdPath.replace(/\.vhd$/i, '')}.manifest.json`;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const obj = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** The manifest's defaults, or undefined when there is no manifest beside the VHD. */
export async function readManifestDefaults(vhdPath: string): Promise<ManifestDefaults | undefined> {
  const path = manifestPathFor(vhdPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IngotError('INPUT_UNREADABLE', `cannot read the manifest ${path}: ${(error as Error).message}`, { cause: error });
  }
  let doc: Record<string, unknown>;
  try {
    doc = obj(JSON.parse(text));
  } catch (error) {
    throw new IngotError('INPUT_UNREADABLE', `the manifest ${path} is not JSON: ${(error as Error).message}`, {
      hint: 'Move it aside, or rebuild the image so ingot writes it again.',
      cause: error,
    });
  }
  const rax = obj(obj(doc.push).rackspace);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj(rax.metadata))) {
    if (['string', 'number', 'boolean'].includes(typeof value)) metadata[key] = String(value);
  }
  const segment = typeof rax.segment_size === 'number' ? rax.segment_size : str(rax.segment_size) === undefined ? undefined : parseSize(String(rax.segment_size));
  const out: ManifestDefaults = { path, metadata };
  const set = <K extends keyof ManifestDefaults>(key: K, value: ManifestDefaults[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('name', str(rax.image_name));
  set('sshUser', str(obj(doc.readiness).ssh_user));
  set('region', str(rax.region));
  set('container', str(rax.container));
  set('segmentSize', segment);
  return out;
}

/** Records the push result in the manifest (`push.result`), atomically and with secrets masked. */
export async function recordPushResult(path: string, result: Record<string, unknown>, redactor: Redactor): Promise<void> {
  const doc = obj(JSON.parse(await readFile(path, 'utf8')));
  doc.push = { ...obj(doc.push), result };
  await writeFile(`${path}.partial`, `${JSON.stringify(redactor.value(doc), null, 2)}\n`);
  await rename(`${path}.partial`, path);
}
