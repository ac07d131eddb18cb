# Debian packages ingot and its tests use (sourced by scripts/setup.sh; README lists them).
INGOT_PACKAGES=(
  qemu-utils          # qemu-img: VHD oracle, qcow2/vmdk input
  libvhdi-utils       # vhdiinfo: second VHD oracle
  genisoimage         # isoinfo: ISO 9660 oracle for seed media
  xorriso             # second ISO oracle
  openssl             # test certificates for TLS pinning tests
)
