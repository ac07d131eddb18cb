#!/usr/bin/env bash
# Unpacks Debian 12's cloud-init (22.4, the version in the test guest) into a cache directory so
# tests can run its real code — `cloud-init schema`, the ConfigDrive and NoCloud readers,
# `devel net-convert` — against ingot's seeds, without installing cloud-init on this machine
# (installed, it would configure the machine itself at boot). Its Python libraries come from
# scripts/packages.sh. Prints the root of the unpacked tree.
# Env: INGOT_CLOUDINIT_CACHE  cache root (default /var/tmp/ingot-cloudinit)
set -euo pipefail
CACHE=${INGOT_CLOUDINIT_CACHE:-/var/tmp/ingot-cloudinit}
OUT=$CACHE/root-22.4
if [ -d "$OUT/usr/lib/python3/dist-packages/cloudinit" ]; then echo "$OUT"; exit 0; fi
mkdir -p "$CACHE"
TMP=$(mktemp -d "$CACHE/fetch.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# apt-get download drops privileges to _apt, which must be able to write there.
chmod 0777 "$TMP"
# A machine whose packages were all installed earlier may have no package lists: update once.
(cd "$TMP" && { apt-get download -q=2 'cloud-init=22.4*' >&2 || { apt-get update -qq >&2 && apt-get download -q=2 'cloud-init=22.4*' >&2; }; })
mkdir -p "$TMP/root"
dpkg-deb -x "$TMP"/cloud-init_*.deb "$TMP/root"
rm -rf "$OUT"
mv "$TMP/root" "$OUT"
echo "$OUT"
