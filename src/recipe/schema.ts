// The recipe schema: the single source of truth for the recipe's shape. recipes/schema.json is
// generated from it (`npm run schema`); semantic rules that need more than one field or the
// file system live in semantic.ts. Defaults are documented field by field in docs/recipes.md.
import { z } from 'zod';
import { READINESS_ITEM_IDS } from '../guest/readiness/items.js';
import { FORMATS, type StringFormat } from './formats.js';

const str = (format: StringFormat, description: string) => z.string().regex(format.pattern).describe(description);
/** Scalars that end up as strings (env values, platform flags, metadata): YAML's `false` is "false". */
const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** JSON Schema `oneOf` over `required` lists: exactly one of these keys (checked by semantic.ts too). */
const exactlyOne = (...keys: string[]) => ({ oneOf: keys.map((key) => ({ required: [key] })) });

export const DEFAULTS = {
  vmTemplate: 'Other install media',
  memory: '2GiB',
  vcpus: 2,
  firmware: 'bios',
  bootOrder: 'cd',
  network: 'default',
  sr: 'default',
  readinessTarget: 'none',
  outputDirectory: 'output',
  container: 'ingot-images',
  segmentSize: '256MiB',
  /** Per step kind, when a step has no `timeout`. */
  timeouts: { shell: '30m', script: '30m', upload: '10m', reboot: '10m' },
  /** The build's own waits (the recipe's `timeouts:`), named like Packer's ip_getting_timeout, ssh_timeout, shutdown_timeout. */
  waits: { guest_address: '10m', ssh: '10m', shutdown: '3m' },
} as const;

const image = z
  .strictObject({
    path: z.string().min(1).optional().describe('a local image file, relative to the recipe'),
    url: str(FORMATS.url, 'an http(s) URL to download the image from; needs sha256 or sha512').optional(),
    sha256: str(FORMATS.sha256, 'expected SHA-256 of the downloaded file').optional(),
    sha512: str(FORMATS.sha512, 'expected SHA-512 of the downloaded file').optional(),
    format: z.enum(['raw', 'qcow2', 'vmdk', 'vhd']).optional().describe('image format; detected from the file when absent'),
  })
  .meta(exactlyOne('path', 'url'))
  .describe('a disk image file to import');

const source = z
  .strictObject({
    image: image.optional(),
    template: z.string().regex(FORMATS.nonBlank.pattern).optional().describe('name label or UUID of an existing template or VM to clone'),
    vdi: z.string().regex(FORMATS.nonBlank.pattern).optional().describe('UUID or name label of an existing VDI to copy'),
  })
  .meta(exactlyOne('image', 'template', 'vdi'))
  .describe('where the disk comes from: exactly one of image, template, vdi');

const vm = z
  .strictObject({
    template: z.string().regex(FORMATS.nonBlank.pattern).default(DEFAULTS.vmTemplate).describe('XAPI template to instantiate the VM from'),
    memory: str(FORMATS.size, 'memory size (binary units)').default(DEFAULTS.memory),
    vcpus: z.int().min(1).max(64).default(DEFAULTS.vcpus).describe('number of virtual CPUs'),
    disk: str(FORMATS.size, 'grow the system disk to this size; absent keeps the source size').optional(),
    firmware: z.enum(['bios', 'uefi']).default(DEFAULTS.firmware).describe('HVM firmware'),
    boot_order: str(FORMATS.bootOrder, 'HVM boot order: c disk, d CD, n network').default(DEFAULTS.bootOrder),
    platform: z.record(z.string(), scalar).default({}).describe('extra VM.platform flags, e.g. viridian: false'),
    network: z.string().regex(FORMATS.nonBlank.pattern).default(DEFAULTS.network).describe('network name label, UUID, or "default" (the management network)'),
    sr: str(FORMATS.srRef, 'SR name label, UUID, or "default" (the pool default SR)').default(DEFAULTS.sr),
    tags: z.array(z.string().regex(FORMATS.nonBlank.pattern)).default([]).describe('extra XAPI tags on the build VM'),
  })
  .prefault({})
  .describe('the build VM');

const cloudInit = z
  .strictObject({
    user_data: z.record(z.string(), z.unknown()).optional().describe('cloud-config as a YAML mapping'),
    file: z.string().min(1).optional().describe('a cloud-config file, relative to the recipe'),
  })
  .meta(exactlyOne('user_data', 'file'))
  .describe('cloud-init user-data, merged with the build access ingot adds');

const upload = z.strictObject({
  src: z.string().min(1).describe('local file or directory, relative to the recipe'),
  dest: str(FORMATS.absolutePath, 'absolute destination path in the guest'),
  mode: str(FORMATS.mode, 'octal mode, quoted: "0644"').optional(),
  owner: str(FORMATS.owner, 'user or user:group').optional(),
});

const step = z
  .strictObject({
    shell: z.string().optional().describe('shell commands, run in the guest as root with sh -eu'),
    script: z.string().min(1).optional().describe('a local script file, copied and run in the guest as root (its #! line, else sh -eu)'),
    upload: upload.optional(),
    reboot: z.literal(true).optional().describe('reboot the guest and wait for SSH'),
    timeout: str(FORMATS.duration, 'how long the step may take').optional(),
    env: z.record(z.string(), scalar).optional().describe('environment variables for the step'),
  })
  .meta(exactlyOne('shell', 'script', 'upload', 'reboot'))
  .describe('one provisioning step: exactly one of shell, script, upload, reboot');

const timeouts = z
  .strictObject({
    guest_address: str(FORMATS.duration, 'boot: how long the guest agent may take to report an address (Packer: ip_getting_timeout)').default(DEFAULTS.waits.guest_address),
    ssh: str(FORMATS.duration, 'boot: how long until an SSH login works and cloud-init has finished (Packer: ssh_timeout)').default(DEFAULTS.waits.ssh),
    shutdown: str(FORMATS.duration, 'shutdown: how long the guest may take to power itself off before ingot stops it from the host (Packer: shutdown_timeout)').default(DEFAULTS.waits.shutdown),
  })
  .prefault({})
  .describe('how long the build waits for the guest; each a duration, 1s – 24h');

const readiness = z
  .strictObject({
    target: z.enum(['rackspace', 'none']).default(DEFAULTS.readinessTarget).describe('the cloud the image is prepared for'),
    ssh_user: str(FORMATS.owner, 'the default login user of the image, e.g. debian').optional(),
    waive: z.array(z.enum(READINESS_ITEM_IDS)).default([]).describe('readiness probe items whose failure does not stop the build (docs/readiness.md)'),
  })
  .prefault({});

const output = z
  .strictObject({
    directory: z.string().min(1).default(DEFAULTS.outputDirectory).describe('where the VHD and manifest go, relative to the recipe'),
    file_name: str(FORMATS.vhdFileName, 'the VHD file name; default <name>.vhd').optional(),
    deterministic: z.boolean().default(true).describe('fixed timestamps and UUIDs so equal inputs give equal bytes'),
  })
  .prefault({});

const rackspace = z.strictObject({
  region: str(FORMATS.region, 'Rackspace region; default from RAX_REGION').optional(),
  container: z.string().regex(FORMATS.nonBlank.pattern).default(DEFAULTS.container).describe('Cloud Files container for the upload'),
  image_name: z.string().regex(FORMATS.nonBlank.pattern).optional().describe('Cloud Images name; default the recipe name'),
  metadata: z.record(z.string(), scalar).default({}).describe('extra image metadata'),
  segment_size: str(FORMATS.size, 'SLO segment size for large uploads (1MiB–5GiB)').default(DEFAULTS.segmentSize),
});

const push = z.strictObject({ rackspace }).describe('where `ingot build --push` sends the image');

export const RecipeSchema = z
  .strictObject({
    name: str(FORMATS.name, 'the image name: file names and tags derive from it'),
    description: z.string().optional(),
    variables: z.record(z.string().regex(FORMATS.identifier.pattern), scalar).default({}).describe('defaults for ${var} interpolation'),
    source,
    vm,
    cloud_init: cloudInit.optional(),
    provision: z.array(step).default([]).describe('steps run over SSH, in order'),
    timeouts,
    readiness,
    output,
    push: push.optional(),
  })
  .describe('an ingot recipe');

export type RecipeData = z.output<typeof RecipeSchema>;
export type RecipeStep = RecipeData['provision'][number];

/** The JSON Schema editors use (recipes/schema.json is this, written by scripts/gen-schema.mjs). */
export function recipeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RecipeSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...(allowReferences(schema) as Record<string, unknown>), title: 'ingot recipe' };
}

// Values are checked after ${var} substitution, so an editor must accept `memory: ${memory}`
// where a size, number, boolean or enum goes: each such leaf also admits a lone reference.
const REFERENCE = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$' };

function allowReferences(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => allowReferences(item));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'propertyNames' || k === 'default' ? v : allowReferences(v, k);
  const constrained = out.pattern !== undefined || out.enum !== undefined || out.const !== undefined || ['integer', 'number', 'boolean'].includes(out.type as string);
  if (!constrained || key === 'propertyNames') return out;
  const { description, default: fallback, ...rule } = out;
  return { ...(description === undefined ? {} : { description }), ...(fallback === undefined ? {} : { default: fallback }), anyOf: [rule, REFERENCE] };
}
