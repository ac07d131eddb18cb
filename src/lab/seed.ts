// The objects a fresh lab host starts with (xapi.md §8 "Seed objects"): pool, host, control domain,
// a thin `ext` SR, a thick `lvm` SR, an ISO SR with plugged PBDs and matching SM records, the
// management network and PIF, and default templates with the HVM settings of §5.2.
import { randomBytes } from 'node:crypto';
import type { Db, Rec } from './db.js';
import { NULL_REF, xapiDate } from './db.js';

const GiB = 1024 ** 3;

export interface SeedOptions {
  /** The host's address as clients reach it (host.address, HOST_IS_SLAVE's parameter). */
  address: string;
  srSizes: { ext: number; lvm: number; iso: number };
  /**
   * The local SR the XCP-ng installer makes: `ext` (thin, "Enable thin provisioning" ticked, the
   * lab's default) or `lvm` (thick, the installer's other choice); with `lvm` the host has no thin SR.
   */
  localSr?: 'ext' | 'lvm';
}

export interface Seeded {
  poolRef: string;
  hostRef: string;
}

/** SM feature → version maps (SM.features), as the ext/lvm/iso drivers declare them. */
const SM: Record<string, { name: string; features: Record<string, number> }> = {
  ext: {
    name: 'Local EXT3 VHD',
    features: { SR_PROBE: 1, SR_UPDATE: 1, SR_SUPPORTS_LOCAL_CACHING: 1, VDI_CREATE: 1, VDI_DELETE: 1, VDI_ATTACH: 1, VDI_DETACH: 1, VDI_UPDATE: 1, VDI_CLONE: 1, VDI_SNAPSHOT: 1, VDI_RESIZE: 1, VDI_MIRROR: 1, VDI_GENERATE_CONFIG: 1, VDI_RESET_ON_BOOT: 2, VDI_CONFIG_CBT: 1, ATOMIC_PAUSE: 1, THIN_PROVISIONING: 1 },
  },
  lvm: {
    name: 'Local LVM',
    features: { SR_PROBE: 1, SR_UPDATE: 1, VDI_CREATE: 1, VDI_DELETE: 1, VDI_ATTACH: 1, VDI_DETACH: 1, VDI_UPDATE: 1, VDI_CLONE: 1, VDI_SNAPSHOT: 1, VDI_RESIZE: 1, VDI_MIRROR: 1, VDI_GENERATE_CONFIG: 1, VDI_RESET_ON_BOOT: 2, VDI_CONFIG_CBT: 1, ATOMIC_PAUSE: 1 },
  },
  iso: {
    name: 'ISO',
    features: { SR_PROBE: 1, VDI_CREATE: 1, VDI_DELETE: 1, VDI_ATTACH: 1, VDI_DETACH: 1 },
  },
};

function mac(): string {
  const b = randomBytes(6);
  b[0] = ((b[0] as number) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Linux HVM template platform keys (templates base-hvmlinux.json, xapi.md §5.2). */
const LINUX_PLATFORM = { vga: 'std', videoram: '8', viridian: 'false', device_id: '0001', nx: 'true', acpi: '1', apic: 'true', pae: 'true', hpet: 'true', timeoffset: '0' };

function provisionXml(srUuid: string, sizeBytes: number): string {
  return `<provision><disk device="0" size="${sizeBytes}" sr="${srUuid}" bootable="true" type="system"/></provision>`;
}

function template(name: string, referenceLabel: string, order: string, diskBytes: number, platform: Rec): Rec {
  return {
    name_label: name,
    name_description: `Template for ${name} (ingot lab)`,
    is_a_template: true,
    is_default_template: true,
    user_version: 1,
    memory_static_min: 512 * 1024 ** 2,
    memory_static_max: 2 * GiB,
    memory_dynamic_min: 2 * GiB,
    memory_dynamic_max: 2 * GiB,
    memory_target: 2 * GiB,
    VCPUs_max: 1,
    VCPUs_at_startup: 1,
    actions_after_shutdown: 'destroy',
    actions_after_reboot: 'restart',
    actions_after_crash: 'restart',
    HVM_boot_policy: 'BIOS order',
    domain_type: 'hvm',
    HVM_boot_params: { order },
    platform,
    PV_bootloader: '',
    reference_label: referenceLabel,
    recommendations:
      '<restrictions><restriction field="memory-static-max" max="137438953472"/><restriction field="vcpus-max" max="32"/><restriction property="number-of-vbds" max="255"/><restriction property="number-of-vifs" max="7"/></restrictions>',
    other_config: { default_template: 'true', 'install-methods': 'cdrom', disks: provisionXml('', diskBytes) },
  };
}

export function seed(db: Db, opts: SeedOptions): Seeded {
  const now = xapiDate();
  const hostRef = db.create('host', {
    name_label: 'ingot-lab',
    name_description: 'ingot lab host',
    hostname: 'ingot-lab',
    address: opts.address,
    enabled: true,
    API_version_major: 2,
    API_version_minor: 21,
    API_version_vendor: 'XenSource',
    software_version: {
      product_brand: 'XCP-ng',
      product_version: '8.3.0',
      product_version_text: '8.3',
      platform_name: 'XCP',
      platform_version: '3.4.0',
      xapi: '24.19',
      xapi_build: '24.19.2',
      xen: '4.17.5',
      linux: '4.19.0+1',
      hostname: 'ingot-lab',
      date: now.slice(0, 8),
      db_schema: '5.780',
    },
    memory_overhead: 0,
    cpu_info: { cpu_count: '2', socket_count: '1', vendor: 'GenuineIntel', modelname: 'QEMU Virtual CPU' },
  });
  const controlDomain = db.create('VM', {
    name_label: 'Control domain on host: ingot-lab',
    is_control_domain: true,
    is_a_template: false,
    power_state: 'Running',
    domid: 0,
    resident_on: hostRef,
    memory_static_max: 4 * GiB,
    VCPUs_max: 2,
    VCPUs_at_startup: 2,
    domain_type: 'pv',
    metrics: db.create('VM_metrics', { start_time: now, install_time: now, VCPUs_number: 2, current_domain_type: 'pv' }),
  });
  db.update('host', hostRef, { control_domain: controlDomain });

  for (const [type, def] of Object.entries(SM)) {
    db.create('SM', { type, name_label: def.name, name_description: `SR plugin for ${type}`, vendor: 'ingot', copyright: '', version: '1.0', required_api_version: '1.0', features: def.features, capabilities: Object.keys(def.features) });
  }
  const sr = (name: string, type: string, contentType: string, size: number, smConfig: Record<string, string>) => {
    const ref = db.create('SR', { name_label: name, type, content_type: contentType, physical_size: size, shared: false, sm_config: smConfig, other_config: {} });
    db.create('PBD', { host: hostRef, SR: ref, device_config: {}, currently_attached: true });
    return ref;
  };
  const thick = { allocation: 'thick', use_vhd: 'true' };
  const extSr = opts.localSr === 'lvm' ? sr('Local storage', 'lvm', 'user', opts.srSizes.ext, thick) : sr('Local storage', 'ext', 'user', opts.srSizes.ext, {});
  if (opts.localSr !== 'lvm') sr('Local LVM (thick)', 'lvm', 'user', opts.srSizes.lvm, thick);
  sr('ISO library', 'iso', 'iso', opts.srSizes.iso, {});

  const network = db.create('network', { name_label: 'Pool-wide network associated with eth0', bridge: 'xenbr0', MTU: 1500, managed: true, other_config: {} });
  db.create('PIF', { device: 'eth0', network, host: hostRef, MAC: mac(), MTU: 1500, management: true, currently_attached: true, physical: true, ip_configuration_mode: 'Static', IP: opts.address, netmask: '255.0.0.0', VLAN: -1 });

  const poolRef = db.create('pool', { name_label: '', master: hostRef, default_SR: extSr, suspend_image_SR: extSr, crash_dump_SR: extSr, other_config: {} });

  const templates = [
    template('Other install media', '', 'dc', 32 * GiB, { ...LINUX_PLATFORM }),
    template('Debian Bookworm 12', 'debian-12', 'cdn', 10 * GiB, { ...LINUX_PLATFORM }),
    template('Ubuntu Jammy Jellyfish 22.04', 'ubuntu-22.04', 'cdn', 10 * GiB, { ...LINUX_PLATFORM }),
  ];
  for (const t of templates) {
    const vm = db.create('VM', { ...t, power_state: 'Halted', domid: -1, resident_on: NULL_REF, metrics: db.create('VM_metrics', { install_time: now, hvm: true }) });
    // Templates ship an empty CD drive at userdevice 3 (xapi.md §3.1 step 5).
    db.create('VBD', { VM: vm, VDI: NULL_REF, userdevice: '3', bootable: false, mode: 'RO', type: 'CD', empty: true, unpluggable: true, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
  }
  return { poolRef, hostRef };
}
