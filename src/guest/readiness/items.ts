// The readiness probe's items: one id per trap an image built on a lab host carries into its
// first Rackspace boot (issue 6; docs/readiness.md says what each one is and why). This list is
// the one source: the recipe schema takes `readiness.waive` ids from it, and a test proves that
// templates/readiness/rackspace/probe.sh emits exactly these ids, in this order.
export const READINESS_ITEMS = [
  { id: 'cloud-init-installed', what: 'cloud-init is installed and not disabled' },
  { id: 'datasource-configdrive', what: 'cloud-init\'s datasource_list starts with ConfigDrive' },
  { id: 'nocloud-absent', what: 'no NoCloud datasource: not listed, no seed directory, no ds=nocloud on the kernel command line' },
  { id: 'cloud-init-network', what: 'cloud-init may write the network configuration (network_data.json)' },
  { id: 'cloud-init-clean', what: 'no cloud-init instance state or logs from the build' },
  { id: 'default-user', what: 'cloud-init\'s default user is readiness.ssh_user' },
  { id: 'build-user-absent', what: 'ingot\'s build user, its home and its sudoers entry are gone' },
  { id: 'build-key-absent', what: 'ingot\'s build key is in no authorized_keys file' },
  { id: 'seed-config-absent', what: 'no cloud-init configuration left from ingot\'s NoCloud seed' },
  { id: 'host-keys-absent', what: 'no SSH host keys (cloud-init makes new ones per server)' },
  { id: 'machine-id-empty', what: '/etc/machine-id is empty and /var/lib/dbus/machine-id is gone' },
  { id: 'net-rules-absent', what: 'no persistent net rules and no network configuration pinned to the build\'s MAC' },
  { id: 'fstab-by-uuid', what: 'fstab names file systems and swap by UUID or LABEL, not /dev/sdX, /dev/vdX, /dev/xvdX' },
  { id: 'grub-root-by-uuid', what: 'the kernel command line finds the root by UUID, LABEL or PARTUUID' },
  { id: 'console-hvc0-ttyS0', what: 'the kernel console is on hvc0 and ttyS0' },
  { id: 'guest-agent', what: 'the XenServer guest agent is installed where the distribution packages one' },
  { id: 'caches-clean', what: 'no apt package caches or lists' },
  { id: 'history-clean', what: 'no shell histories' },
] as const;

export type ReadinessItemId = (typeof READINESS_ITEMS)[number]['id'];

export const READINESS_ITEM_IDS = READINESS_ITEMS.map((item) => item.id) as unknown as readonly [ReadinessItemId, ...ReadinessItemId[]];

/** The distributions the rackspace target prepares: os-release ID and VERSION_ID. */
export const SUPPORTED_SYSTEMS = [
  { id: 'debian', versionId: '12', name: 'Debian 12' },
  { id: 'ubuntu', versionId: '24.04', name: 'Ubuntu 24.04' },
] as const;
