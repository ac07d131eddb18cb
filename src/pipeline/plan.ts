// The build plan: a pure function of the recipe, its variables and the configuration. It names
// every stage of the pipeline (DESIGN.md, "The pipeline") with the concrete values it will use,
// and touches nothing: no network, no files. `ingot build --plan` prints it; the build follows it.
import { join } from 'node:path';
import type { IngotConfig } from '../config/types.js';
import { formatDuration, formatSize, type ProvisionStep, type Recipe, type ResolvedVariables } from '../recipe/index.js';

export const STAGES = [
  'resolve', 'connect', 'storage', 'disk', 'vm', 'seed', 'boot', 'provision',
  'readiness', 'shutdown', 'export', 'check', 'cleanup', 'rehearse', 'manifest', 'push',
] as const;

export type StageId = (typeof STAGES)[number];

export interface PlanStage {
  id: StageId;
  title: string;
  run: boolean;
  /** Why the stage is skipped, when it is. */
  reason?: string;
  /** What the stage will do, one line each, with the concrete values. */
  actions: string[];
  /** The same values as data, for --json. */
  facts: Record<string, unknown>;
}

export interface Plan {
  recipe: { name: string; file: string; digest: string };
  variables: Record<string, { value: string; from: string }>;
  stages: PlanStage[];
  /** Things that will stop the build unless fixed (configuration missing), found without touching anything. */
  warnings: string[];
}

export interface PlanOptions {
  /** `--push`: run the push stage. */
  push: boolean;
  /** `--keep`: leave the VM and its disks on the host. */
  keep: boolean;
  /** `--rehearse`: boot the VHD as Rackspace would and check its first boot. */
  rehearse?: boolean;
}

/** The metadata ingot sets on every Rackspace image (reference/rackspace.md §4). */
export const RACKSPACE_FIXED_METADATA = { vm_mode: 'hvm', img_config_drive: 'mandatory' } as const;
/** One PUT up to this size; larger uploads become an SLO of segments (reference/rackspace.md). */
export const SINGLE_PUT_LIMIT = 5 * 1024 ** 3;

export function plan(recipe: Recipe, variables: ResolvedVariables, digest: string, config: IngotConfig, options: PlanOptions): Plan {
  const warnings: string[] = [];
  const vhdPath = join(recipe.output.directory, recipe.output.fileName);
  const manifestPath = join(recipe.output.directory, `${recipe.output.fileName.replace(/\.vhd$/, '')}.manifest.json`);
  const disk = recipe.vm.diskBytes === undefined ? 'the source disk\'s size (no resize)' : formatSize(recipe.vm.diskBytes);
  const sr = recipe.vm.sr === 'default' ? 'the pool\'s default SR' : `SR "${recipe.vm.sr}"`;
  const stage = (id: StageId, title: string, actions: string[], facts: Record<string, unknown>, skip?: string): PlanStage => ({
    id, title, run: skip === undefined, ...(skip === undefined ? {} : { reason: skip }), actions: skip === undefined ? actions : [], facts,
  });

  if (config.xapi.url === undefined) warnings.push('No XAPI host configured: set INGOT_XAPI_URL (or xapi.url in the config file) before building.');
  const src = recipe.source;
  const stages: PlanStage[] = [
    stage('resolve', 'resolve the recipe and the source', resolveActions(recipe), {
      digest, source: src.kind === 'image' ? { url: src.url, path: src.path, checksum: src.checksum, format: src.format ?? 'detect' } : src,
    }),
    stage('connect', 'connect to the XAPI host', [
      `open a session at ${config.xapi.url ?? '(not configured)'} as ${config.xapi.username ?? '(user not configured)'}`,
      `verify TLS against ${trustWords(config)}`,
      'follow HOST_IS_SLAVE to the pool master; read the host software version',
    ], { url: config.xapi.url ?? null, username: config.xapi.username ?? null, tls: config.xapi.tls }),
    stage('storage', 'choose the storage repository', [
      `use ${sr}`,
      'refuse a thick-provisioned SR (no THIN_PROVISIONING feature / sm_config.allocation)',
      `check its free space for ${disk}`,
    ], { sr: recipe.vm.sr, diskBytes: recipe.vm.diskBytes ?? null }),
    stage('disk', 'create the system disk', diskActions(recipe, sr, disk), { source: src.kind, diskBytes: recipe.vm.diskBytes ?? null }),
    stage('vm', 'create the build VM', [
      `instantiate template "${recipe.vm.template}"`,
      `HVM boot, firmware ${recipe.vm.firmware}, boot order "${recipe.vm.bootOrder}"`,
      `${formatSize(recipe.vm.memoryBytes)} memory, ${recipe.vm.vcpus} vCPU${recipe.vm.vcpus === 1 ? '' : 's'}`,
      ...(Object.keys(recipe.vm.platform).length ? [`platform flags ${Object.entries(recipe.vm.platform).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
      `network: ${recipe.vm.network === 'default' ? 'the management network' : `"${recipe.vm.network}"`}`,
      // The same marks src/xapi/tags.ts puts on everything a build creates, so `ingot clean` finds it.
      `tags: ingot${recipe.vm.tags.map((t) => `, ${t}`).join('')}; other_config ingot:build = this build's id`,
    ], { template: recipe.vm.template, memoryBytes: recipe.vm.memoryBytes, vcpus: recipe.vm.vcpus, firmware: recipe.vm.firmware, bootOrder: recipe.vm.bootOrder, platform: recipe.vm.platform, network: recipe.vm.network, tags: recipe.vm.tags }),
    stage('seed', 'seed cloud-init', [
      'generate an ephemeral ed25519 build key and the guest\'s SSH host key',
      recipe.cloudInit === undefined ? 'user-data: the build access only' : recipe.cloudInit.kind === 'file' ? `user-data: ${recipe.cloudInit.path}, merged with the build access` : `user-data: ${Object.keys(recipe.cloudInit.userData).join(', ') || '(empty)'} from the recipe, merged with the build access`,
      'write a NoCloud ISO (label cidata), import it as a VDI and attach it as a CD',
    ], { cloudInit: recipe.cloudInit ?? null }),
    stage('boot', 'boot and reach SSH', [
      `start the VM; find its IP from the guest metrics (wait up to ${formatDuration(recipe.timeouts.guestAddressSeconds)}: timeouts.guest_address)`,
      `wait for SSH, host key verified${config.xapi.bastion ? `, through the bastion ${config.xapi.bastion}` : ''}, and for cloud-init to finish (up to ${formatDuration(recipe.timeouts.sshSeconds)}: timeouts.ssh)`,
    ], { bastion: config.xapi.bastion ?? null, guestAddressSeconds: recipe.timeouts.guestAddressSeconds, sshSeconds: recipe.timeouts.sshSeconds }),
    stage('provision', 'run the provisioning steps', recipe.provision.map((s, i) => `${i + 1}. ${stepWords(s)} (timeout ${formatDuration(s.timeoutSeconds)})`),
      { steps: recipe.provision }, recipe.provision.length === 0 ? 'the recipe has no provision steps' : undefined),
    stage('readiness', 'prepare the image for its target', [
      'record the build identity (host name, host key fingerprints, machine-id hash); Debian 12 and Ubuntu 24.04 only',
      `cloud-init with the ConfigDrive datasource and ${recipe.readiness.sshUser ?? '?'} as its default user, guest agent, consoles hvc0 and ttyS0, fstab by UUID`,
      'remove the build user and key, host keys and machine-id; cloud-init clean, caches, zero free space',
      `probe (templates/readiness/rackspace/probe.sh); ${recipe.readiness.waive.length > 0 ? `waived: ${recipe.readiness.waive.join(', ')}` : 'no item waived'}; power-off scheduled in the same root process`,
    ], { target: recipe.readiness.target, sshUser: recipe.readiness.sshUser ?? null, waive: recipe.readiness.waive }, recipe.readiness.target === 'none' ? 'readiness.target is none' : undefined),
    stage('shutdown', 'shut the guest down', [`${recipe.readiness.target === 'rackspace' ? 'the power-off readiness scheduled' : 'poweroff from the guest'}; wait for Halted (up to ${formatDuration(recipe.timeouts.shutdownSeconds)}: timeouts.shutdown); else clean, then hard shutdown from the host`], { shutdownSeconds: recipe.timeouts.shutdownSeconds }),
    stage('export', 'export the disk as a VHD', [
      'detach the seed CD',
      `stream the disk to ${vhdPath}, hashing as it goes`,
      recipe.output.deterministic ? 'deterministic: fixed timestamps and UUIDs' : 'not deterministic: current time and random UUIDs in the VHD',
    ], { path: vhdPath, deterministic: recipe.output.deterministic }),
    stage('check', 'check the VHD', [recipe.readiness.target === 'rackspace' ? 'VHD structure and the Rackspace import rules' : 'VHD structure'], { rackspaceRules: recipe.readiness.target === 'rackspace' }),
    stage('cleanup', 'remove what the build created', ['destroy the VM, its VDIs and the seed VDI (all tagged ingot)'], {}, options.keep ? '--keep leaves the VM and its disks on the host' : undefined),
    stage('rehearse', 'boot the VHD as Rackspace would and check its first boot', [
      'import the VHD into a new VDI; a BIOS HVM VM from the same template, memory and network',
      `a config drive (config-2) with a new ed25519 key, a hostname and network_data.json for the NIC; no NoCloud seed`,
      `log in as ${recipe.readiness.sshUser ?? '?'} with that key; check the hostname, fresh host keys and machine-id, cloud-init done without errors, datasource ConfigDrive, build user gone`,
      options.keep ? '--keep leaves the rehearsal VM and its disks too' : 'remove the rehearsal VM and its disks',
    ], { sshUser: recipe.readiness.sshUser ?? null }, options.rehearse === true ? undefined : 'pass --rehearse to rehearse'),
    stage('manifest', 'write the manifest', [`write ${manifestPath}: recipe digest, source digest, versions, steps, readiness report, VHD sha256 and size`], { path: manifestPath }),
    pushStage(recipe, config, options, warnings, stage),
  ];
  return {
    recipe: { name: recipe.name, file: recipe.file, digest },
    variables: Object.fromEntries(Object.entries(variables.values).map(([k, v]) => [k, { value: v, from: variables.sources[k] ?? 'recipe' }])),
    stages,
    warnings,
  };
}

function resolveActions(recipe: Recipe): string[] {
  const src = recipe.source;
  if (src.kind === 'template') return [`no download: the disk comes from template or VM "${src.template}"`];
  if (src.kind === 'vdi') return [`no download: the disk comes from VDI "${src.vdi}"`];
  const sum = src.checksum ? `${src.checksum.algorithm} ${src.checksum.hex}` : undefined;
  return [
    src.url !== undefined ? `download ${src.url} (cached by checksum)` : `read ${src.path}`,
    sum ? `verify ${sum}` : 'no checksum given: the file is hashed for the manifest only',
    `format: ${src.format ?? 'detected from the file'}`,
  ];
}

function diskActions(recipe: Recipe, sr: string, disk: string): string[] {
  const src = recipe.source;
  const first =
    src.kind === 'image' ? `convert the image to a dynamic VHD stream and import it into a new VDI on ${sr}`
    : src.kind === 'template' ? `clone the disk of "${src.template}" (VDI.clone on the same SR, else VDI.copy) onto ${sr}`
    : `clone VDI "${src.vdi}" (VDI.clone on the same SR, else VDI.copy) onto ${sr}`;
  const grow = src.kind === 'image' ? `grow it to ${disk}` : `grow it to ${disk} (a source disk larger than that is refused: ingot never shrinks)`;
  return [first, recipe.vm.diskBytes === undefined ? 'keep the source disk\'s size' : grow];
}

function stepWords(step: ProvisionStep): string {
  const env = Object.keys(step.env).length ? ` with ${Object.keys(step.env).join(', ')} set` : '';
  switch (step.kind) {
    case 'shell': {
      const lines = step.command.trim().split('\n');
      return `shell: ${lines[0]}${lines.length > 1 ? ` (+${lines.length - 1} more lines)` : ''}${env}`;
    }
    case 'script':
      return `script ${step.path}${env}`;
    case 'upload':
      return `upload ${step.src} → ${step.dest}${step.mode ? ` mode ${step.mode}` : ''}${step.owner ? ` owner ${step.owner}` : ''}`;
    case 'reboot':
      return 'reboot and wait for SSH';
  }
}

function trustWords(config: IngotConfig): string {
  const tls = config.xapi.tls;
  if (tls.kind === 'ca') return `the CA in ${tls.caFile}`;
  if (tls.kind === 'fingerprint') return `the pinned certificate SHA-256 ${tls.sha256}`;
  return 'the system CAs';
}

function pushStage(recipe: Recipe, config: IngotConfig, options: PlanOptions, warnings: string[], stage: (id: StageId, title: string, actions: string[], facts: Record<string, unknown>, skip?: string) => PlanStage): PlanStage {
  const rs = recipe.push?.rackspace;
  if (!rs) return stage('push', 'push to Rackspace', [], {}, 'the recipe has no push section');
  const region = rs.region ?? config.rackspace.region;
  const metadata = { ...rs.metadata, ...RACKSPACE_FIXED_METADATA, ssh_user: recipe.readiness.sshUser };
  const facts = { region: region ?? null, container: rs.container, imageName: rs.imageName, segmentSizeBytes: rs.segmentSizeBytes, metadata, identityUrl: config.rackspace.identityUrl };
  if (!options.push) return stage('push', 'push to Rackspace', [], facts, 'pass --push to push');
  if (region === undefined) warnings.push('No Rackspace region: set push.rackspace.region in the recipe or RAX_REGION.');
  return stage('push', 'push to Rackspace', [
    `authenticate at ${config.rackspace.identityUrl}; region ${region ?? '(not set)'}`,
    `upload to Cloud Files container "${rs.container}": one PUT up to ${formatSize(SINGLE_PUT_LIMIT)}, else an SLO of ${formatSize(rs.segmentSizeBytes)} segments`,
    `import as image "${rs.imageName}" with a Cloud Images task; poll until it ends`,
    `set metadata ${Object.entries(metadata).map(([k, v]) => `${k}=${v}`).join(', ')}`,
  ], facts);
}
