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
)
