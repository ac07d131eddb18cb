// The resolved recipe: schema output with sizes in bytes, durations in seconds, paths absolute
// (resolved against the recipe's directory) and the derived defaults filled in. What the plan
// and the pipeline consume.
import { resolve } from 'node:path';
import { DEFAULTS, type RecipeData, type RecipeStep } from './schema.js';
import { parseDuration, parseSize } from './units.js';

export type ImageFormat = 'raw' | 'qcow2' | 'vmdk' | 'vhd';

export type RecipeSource =
  | { kind: 'image'; path: string; url?: undefined; checksum?: Checksum; format: ImageFormat | undefined }
  | { kind: 'image'; url: string; path?: undefined; checksum: Checksum; format: ImageFormat | undefined }
  | { kind: 'template'; template: string }
  | { kind: 'vdi'; vdi: string };

export interface Checksum {
  algorithm: 'sha256' | 'sha512';
  hex: string;
}

interface StepBase {
  timeoutSeconds: number;
  env: Record<string, string>;
}

export type ProvisionStep = StepBase &
  (
    | { kind: 'shell'; command: string }
    | { kind: 'script'; path: string }
    | { kind: 'upload'; src: string; dest: string; mode: string | undefined; owner: string | undefined }
    | { kind: 'reboot' }
  );

export interface Recipe {
  file: string;
  dir: string;
  name: string;
  description: string | undefined;
  source: RecipeSource;
  vm: {
    template: string;
    memoryBytes: number;
    vcpus: number;
    /** undefined: keep the source disk's size. */
    diskBytes: number | undefined;
    firmware: 'bios' | 'uefi';
    bootOrder: string;
    platform: Record<string, string>;
    network: string;
    sr: string;
    tags: string[];
  };
  cloudInit: { kind: 'inline'; userData: Record<string, unknown> } | { kind: 'file'; path: string } | undefined;
  provision: ProvisionStep[];
  /** The build's waits for the guest, in seconds (recipe `timeouts:`). */
  timeouts: { guestAddressSeconds: number; sshSeconds: number; shutdownSeconds: number };
  readiness: { target: 'rackspace' | 'none'; sshUser: string | undefined; waive: string[] };
  output: { directory: string; fileName: string; deterministic: boolean };
  push: { rackspace: { region: string | undefined; container: string; imageName: string; metadata: Record<string, string>; segmentSizeBytes: number } } | undefined;
}

const strings = (map: Record<string, string | number | boolean> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, String(v)]));

/** Only called on a document that passed the schema and the semantic rules. */
export function normalize(doc: RecipeData, file: string, dir: string): Recipe {
  const size = (text: string): number => parseSize(text) ?? Number.NaN;
  const image = doc.source.image;
  const source: RecipeSource = image
    ? image.url !== undefined
      ? { kind: 'image', url: image.url, checksum: checksumOf(image)!, format: image.format }
      : { kind: 'image', path: resolve(dir, image.path ?? ''), ...(checksumOf(image) ? { checksum: checksumOf(image)! } : {}), format: image.format }
    : doc.source.template !== undefined
      ? { kind: 'template', template: doc.source.template }
      : { kind: 'vdi', vdi: doc.source.vdi ?? '' };
  const ci = doc.cloud_init;
  return {
    file,
    dir,
    name: doc.name,
    description: doc.description,
    source,
    vm: {
      template: doc.vm.template,
      memoryBytes: size(doc.vm.memory),
      vcpus: doc.vm.vcpus,
      diskBytes: doc.vm.disk === undefined ? undefined : size(doc.vm.disk),
      firmware: doc.vm.firmware,
      bootOrder: doc.vm.boot_order,
      platform: strings(doc.vm.platform),
      network: doc.vm.network,
      sr: doc.vm.sr,
      tags: doc.vm.tags,
    },
    cloudInit: ci === undefined ? undefined : ci.file !== undefined ? { kind: 'file', path: resolve(dir, ci.file) } : { kind: 'inline', userData: ci.user_data ?? {} },
    provision: doc.provision.map((step) => normalizeStep(step, dir)),
    timeouts: {
      guestAddressSeconds: parseDuration(doc.timeouts.guest_address) ?? Number.NaN,
      sshSeconds: parseDuration(doc.timeouts.ssh) ?? Number.NaN,
      shutdownSeconds: parseDuration(doc.timeouts.shutdown) ?? Number.NaN,
    },
    readiness: { target: doc.readiness.target, sshUser: doc.readiness.ssh_user, waive: [...new Set(doc.readiness.waive)] },
    output: { directory: resolve(dir, doc.output.directory), fileName: doc.output.file_name ?? `${doc.name}.vhd`, deterministic: doc.output.deterministic },
    push: doc.push && {
      rackspace: {
        region: doc.push.rackspace.region,
        container: doc.push.rackspace.container,
        imageName: doc.push.rackspace.image_name ?? doc.name,
        metadata: strings(doc.push.rackspace.metadata),
        segmentSizeBytes: size(doc.push.rackspace.segment_size),
      },
    },
  };
}

function checksumOf(image: { sha256?: string | undefined; sha512?: string | undefined }): Checksum | undefined {
  if (image.sha512 !== undefined) return { algorithm: 'sha512', hex: image.sha512.toLowerCase() };
  if (image.sha256 !== undefined) return { algorithm: 'sha256', hex: image.sha256.toLowerCase() };
  return undefined;
}

function normalizeStep(step: RecipeStep, dir: string): ProvisionStep {
  const kind = step.shell !== undefined ? 'shell' : step.script !== undefined ? 'script' : step.upload !== undefined ? 'upload' : 'reboot';
  const base: StepBase = { timeoutSeconds: parseDuration(step.timeout ?? DEFAULTS.timeouts[kind]) ?? 0, env: strings(step.env) };
  switch (kind) {
    case 'shell':
      return { ...base, kind, command: step.shell ?? '' };
    case 'script':
      return { ...base, kind, path: resolve(dir, step.script ?? '') };
    case 'upload':
      return { ...base, kind, src: resolve(dir, step.upload?.src ?? ''), dest: step.upload?.dest ?? '', mode: step.upload?.mode, owner: step.upload?.owner };
    case 'reboot':
      return { ...base, kind };
  }
}
