# Debian packages ingot and its tests use (sourced by scripts/setup.sh; README lists them).
INGOT_PACKAGES=(
  qemu-utils          # qemu-img: VHD oracle, qcow2/vmdk input
  libvhdi-utils       # vhdiinfo: second VHD oracle
  genisoimage         # isoinfo: ISO 9660 oracle for seed media
  xorriso             # second ISO oracle
  swift               # OpenStack Swift, the real object store the push tests upload to
  swift-proxy         #   its proxy server (tempauth, slo, dlo)
  swift-object        #   object server
  swift-container     #   container server
  swift-account       #   account server
  python3-swiftclient # `swift upload --use-slo`: the speed baseline in bench/
  memcached           # tempauth keeps tokens in memcached; without it Swift refuses every token
  openssl             # test certificates for TLS pinning tests
  openssh-sftp-server # the real sftp-server behind the in-process SSH test server (guest uploads)
  openssh-client      # ssh-keygen: the oracle for SSH fingerprints in the guest SSH tests
  qemu-system-x86     # qemu-system-x86_64: the lab host runs its VMs (and the real-guest test) with it
  debootstrap         # builds the Debian test guest image (scripts/guest-image.sh)
  fdisk               # sfdisk: partitions that image without loop devices
  e2fsprogs           # mke2fs -d: fills the image's ext4 partition from a directory
  ovmf                # UEFI firmware for lab VMs with HVM_boot_params firmware=uefi
  vagrant             # `vagrant validate` of the Vagrantfile (test/integration/vagrant)
  vagrant-libvirt     #   its libvirt provider plugin, so the libvirt settings are validated too
  python3-yaml python3-requests python3-oauthlib python3-netifaces python3-jinja2 python3-jsonschema python3-configobj python3-jsonpatch python3-serial
                      # cloud-init 22.4's libraries: tests run its real code on the seeds, unpacked, never installed (test/support/guest-iso)
)
