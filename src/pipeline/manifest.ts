// The build manifest: provenance of one image, written beside the VHD as <name>.manifest.json.
// `ingot push` reads it for what its flags omit (push.rackspace, readiness.ssh_user).
import { rename, writeFile } from 'node:fs/promises';
import type { BuildIdentity, ReportItem } from '../guest/readiness/index.js';
import type { Redactor } from '../redact.js';
import type { StageTiming } from './stages.js';

export const MANIFEST_VERSION = 1;

export interface Manifest {
  manifest_version: typeof MANIFEST_VERSION;
  ingot: { version: string; node: string };
  build: { id: string; started: string; finished: string; seconds: number };
  recipe: { name: string; path: string; digest: string; variables: Record<string, string> };
  source: {
    kind: 'image' | 'template' | 'vdi';
    /** What the recipe wrote: the image's url or path, the template's or VDI's name or uuid. */
    reference: string;
    sha256?: string; sha512?: string; format?: string;
    /** template/vdi: the uuid of the object named, the uuid and size of the VDI cloned, and how (VDI.clone or VDI.copy). */
    uuid?: string; vdi_uuid?: string; virtual_size?: number; method?: 'VDI.clone' | 'VDI.copy';
  };
  host: { url: string; product: string; product_version: string; xapi: string; api_version: string };
  stages: StageTiming[];
  steps: Array<{ index: number; kind: string; label: string; exit_status: number | null; seconds: number; last_lines: string[] }>;
  /** report: the probe's items (waived ones marked); build_identity: what `ingot rehearse` must find changed. */
  readiness: { target: 'rackspace' | 'none'; ssh_user?: string; waive?: string[]; system?: string; report?: ReportItem[]; build_identity?: BuildIdentity;
    /** `ingot build --rehearse`: the first boot as Rackspace would do it (docs/rehearse.md). */
    rehearsal?: { id: string; ssh_user: string; hostname: string; seconds: number; checks: Array<{ id: string; ok: boolean; evidence: string }> } };
  output: { file: string; size: number; sha256: string; virtual_size: number; deterministic: boolean };
  check: { verdict: string; findings: unknown[] };
  push: { rackspace?: Record<string, unknown>; result?: Record<string, unknown> } | null;
}

/** Writes the manifest atomically, with every secret masked (STYLE.md §5). */
export async function writeManifest(path: string, manifest: Manifest, redactor: Redactor): Promise<void> {
  const text = `${JSON.stringify(redactor.value(manifest), null, 2)}\n`;
  await writeFile(`${path}.partial`, text, { mode: 0o644 });
  await rename(`${path}.partial`, path);
}

export function manifestPathFor(vhdPath: string): string {
  return vhdPath.replace(/\.vhd$/i, '') + '.manifest.json';
}
