#!/usr/bin/env bash
# Builds the small Debian 12 test guest the lab's real-guest tests boot: debootstrap minbase with
# the cloud kernel, cloud-init, OpenSSH and the QEMU guest agent, assembled into a sparse,
# BIOS-bootable raw disk WITHOUT loop devices (the host kernel has no partition-table support:
# lab-notes §2 "Host facts"). See docs/lab-guests.md.
#
# Usage: build-image.sh            prints the image directory (disk.raw, image.json) on stdout;
#                                  progress and timings go to stderr.
# Env:   INGOT_GUEST_CACHE         cache root (default /var/tmp/ingot-guest)
#        INGOT_DEBIAN_MIRROR       Debian mirror URL (default: read from this machine's apt sources)
#
# The result is cached under $INGOT_GUEST_CACHE/<sha256 of this script and its inputs>/, so a
# second run costs nothing; a build happens in a temporary directory that is renamed into place.
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

SUITE=bookworm
DISK_SIZE=2G            # sparse; the rootfs is ~460 MiB and cloud-init's growpart grows it later
GUEST_USER=debian       # the default user of Debian's cloud-init configuration
# python3-cffi-backend: debootstrap cannot resolve the virtual python3-cffi-backend-api-min that
# python3-cryptography (cloud-init → oauthlib) needs (lab-notes §2 Build, step 1).
PACKAGES=systemd-sysv,udev,kmod,linux-image-cloud-amd64,grub-pc,openssh-server,cloud-init,sudo,python3-cffi-backend,qemu-guest-agent,ifupdown,isc-dhcp-client,iproute2,netbase,e2fsprogs,cloud-guest-utils,fdisk,procps,less,dbus,libpam-systemd

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
CACHE=${INGOT_GUEST_CACHE:-/var/tmp/ingot-guest}
KEY=$( { cat "$SCRIPT"; echo "$SUITE $(uname -m)"; } | sha256sum | cut -c1-64)
OUT=$CACHE/$KEY

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -f $OUT/image.json && -f $OUT/disk.raw ]]; then
  log "cached: $OUT"; echo "$OUT"; exit 0
fi

[[ $(id -u) -eq 0 ]] || die "debootstrap needs root; run as root (or with sudo)."
for tool in debootstrap sfdisk mke2fs; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install debootstrap fdisk e2fsprogs (scripts/packages.sh lists them)."
done

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
log "waiting for the build lock $CACHE/.lock"
flock 9
if [[ -f $OUT/image.json ]]; then log "cached (built by another run): $OUT"; echo "$OUT"; exit 0; fi

# The mirror is read at run time from apt's configuration, never written in the repo or the image
# (lab-notes §4): deb822 `URIs:` of the stanza whose `Suites:` has the bare suite, else sources.list.
mirror() {
  if [[ -n ${INGOT_DEBIAN_MIRROR:-} ]]; then echo "$INGOT_DEBIAN_MIRROR"; return; fi
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v suite="$SUITE" '
      /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }' "$f" | head -n1
  done | head -n1 | grep . && return
  awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list 2>/dev/null | grep . ||
    die "no Debian $SUITE mirror in /etc/apt/sources.list{,.d}; set INGOT_DEBIAN_MIRROR."
}
MIRROR=$(mirror)
MIRROR_HOST=$(sed -E 's#^[a-z]+://([^/]+).*#\1#' <<<"$MIRROR")
mask() { sed -u "s#${MIRROR_HOST//./\\.}#<apt-mirror>#g"; }

WORK=$(mktemp -d "$CACHE/build.XXXXXX")
ROOTFS=$WORK/rootfs
cleanup() {
  # debootstrap mounts /proc, /sys (and may bind /dev) inside the target: unmount them before
  # removing anything, and never cross into another filesystem while removing.
  local m
  for m in $(awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T0=$(now)

# 1. debootstrap ----------------------------------------------------------------------------
log "debootstrap $SUITE minbase from <apt-mirror> into $ROOTFS"
T=$(now)
debootstrap --variant=minbase --include="$PACKAGES" \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$SUITE" "$ROOTFS" "$MIRROR" > >(mask >"$WORK/debootstrap.log") 2>&1 ||
  { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
T_DEBOOTSTRAP=$(since "$T")
log "debootstrap: ${T_DEBOOTSTRAP}s"

# 2. offline configuration --------------------------------------------------------------------
T=$(now)
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
echo ingot-guest >"$ROOTFS/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tingot-guest\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOTFS/etc/hosts"
printf 'UUID=%s\t/\text4\terrors=remount-ro\t0\t1\n' "$ROOT_UUID" >"$ROOTFS/etc/fstab"
# cloud-init renders the NIC into interfaces.d (ifupdown renderer).
printf 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n' >"$ROOTFS/etc/network/interfaces"
mkdir -p "$ROOTFS/etc/cloud/cloud.cfg.d"
cat >"$ROOTFS/etc/cloud/cloud.cfg.d/99-ingot.cfg" <<'EOF'
# ingot test guest (lab-notes §2 Build, step 2).
# Only local datasources: no probing of 169.254.169.254 from a guest that has no such network.
datasource_list: [ NoCloud, ConfigDrive, None ]
# Without this, sudo warns "unable to resolve host" after cloud-init sets the hostname.
manage_etc_hosts: true
# minbase has no `locales`: cloud-init's update-locale call fails otherwise.
locale: false
apt:
  preserve_sources_list: true
EOF
# The serial console is where the runner's console log comes from; keep it after update-grub.
cat >>"$ROOTFS/etc/default/grub" <<'EOF'
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_TIMEOUT=1
EOF
chroot "$ROOTFS" apt-get clean
# A generalized image: no host keys (cloud-init makes them per instance), no machine-id, no apt
# lists and no mirror address.
rm -f "$ROOTFS"/etc/ssh/ssh_host_* "$ROOTFS"/var/lib/apt/lists/*_* "$ROOTFS"/var/cache/apt/*.bin
: >"$ROOTFS/etc/machine-id"
rm -f "$ROOTFS/var/lib/dbus/machine-id"
echo "# Add a Debian mirror here (the test image ships without one)." >"$ROOTFS/etc/apt/sources.list"
rm -f "$ROOTFS/var/log/bootstrap.log"
# The check: no file this build wrote or changed names the mirror. A file exactly as its package
# shipped it (e.g. cloud.cfg's stock Debian mirror default) is not a trace of this machine.
shipped() { # shipped FILE: true when FILE's md5 equals the one dpkg recorded for it
  local rel=${1#"$ROOTFS"/} sum
  sum=$(md5sum <"$1" | cut -d' ' -f1)
  grep -qsx "$sum  $rel" "$ROOTFS"/var/lib/dpkg/info/*.md5sums ||
    grep -qs "^ /$rel $sum\$" "$ROOTFS/var/lib/dpkg/status"
}
leaks=0
while IFS= read -r f; do
  shipped "$f" || { log "mirror address found in ${f#"$ROOTFS"}"; leaks=1; }
done < <(grep -rlsF "$MIRROR_HOST" "$ROOTFS/etc" "$ROOTFS/var" "$ROOTFS/root" "$ROOTFS/home" || true)
((leaks == 0)) || die "the mirror address is still in the image (files above)"

# GRUB, static: /boot/grub/grub.cfg that finds the root by UUID, and a core.img built in the
# chroot (the host has no GRUB). Without the `search` module GRUB stops at "grub rescue>"
# (lab-notes §2 Build, step 3).
mkdir -p "$ROOTFS/boot/grub/i386-pc"
cp "$ROOTFS"/usr/lib/grub/i386-pc/*.mod "$ROOTFS"/usr/lib/grub/i386-pc/*.lst "$ROOTFS/boot/grub/i386-pc/"
cat >"$ROOTFS/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $ROOT_UUID
menuentry 'Debian GNU/Linux (ingot test guest)' {
  linux /vmlinuz root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200n8
  initrd /initrd.img
}
EOF
printf 'search.fs_uuid %s root\nset prefix=($root)/boot/grub\n' "$ROOT_UUID" >"$ROOTFS/tmp/early.cfg"
chroot "$ROOTFS" grub-mkimage -O i386-pc -o /tmp/core.img -c /tmp/early.cfg -p /boot/grub \
  biosdisk part_msdos ext2 search search_fs_uuid
mv "$ROOTFS/tmp/core.img" "$WORK/core.img"
rm -f "$ROOTFS/tmp/early.cfg"
T_CONFIGURE=$(since "$T")
log "configure: ${T_CONFIGURE}s"

# 3. the disk, loop-free ----------------------------------------------------------------------
T=$(now)
DISK=$WORK/disk.raw
truncate -s "$DISK_SIZE" "$DISK"
echo 'label: dos
start=2048, type=83, bootable' | sfdisk --quiet "$DISK"
PART_SECTORS=$(sfdisk --dump "$DISK" | awk -F'[=,]' '/start=/ { gsub(/ /, "", $4); print $4 }')
# mke2fs -d populates the file system from the directory (owners, modes, hard links kept) at the
# partition's byte offset inside the disk file.
mke2fs -q -F -t ext4 -b 4096 -L rootfs -U "$ROOT_UUID" -d "$ROOTFS" -E offset=$((2048 * 512)) \
  "$DISK" "$((PART_SECTORS / 2))k"
# What grub-bios-setup does for an embedded core.img: boot.img's code (440 bytes, the partition
# table stays) in sector 0, core.img in the gap from sector 1 (boot.img's default kernel sector).
CORE_SECTORS=$(( ($(stat -c %s "$WORK/core.img") + 511) / 512 ))
((CORE_SECTORS < 2047)) || die "core.img ($CORE_SECTORS sectors) does not fit in the MBR gap"
dd if="$ROOTFS/usr/lib/grub/i386-pc/boot.img" of="$DISK" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/core.img" of="$DISK" bs=512 seek=1 conv=notrunc status=none
T_ASSEMBLE=$(since "$T")
log "assemble: ${T_ASSEMBLE}s"

KERNEL=$(basename "$(readlink -f "$ROOTFS/vmlinuz")")
ALLOCATED=$(( $(stat -c %b "$DISK") * $(stat -c %B "$DISK") ))
mkdir -p "$WORK/out"
mv "$DISK" "$WORK/out/disk.raw"
cat >"$WORK/out/image.json" <<EOF
{
  "suite": "$SUITE",
  "user": "$GUEST_USER",
  "kernel": "$KERNEL",
  "rootUuid": "$ROOT_UUID",
  "virtualBytes": $(stat -c %s "$WORK/out/disk.raw"),
  "allocatedBytes": $ALLOCATED,
  "seconds": { "debootstrap": $T_DEBOOTSTRAP, "configure": $T_CONFIGURE, "assemble": $T_ASSEMBLE, "total": $(since "$T0") }
}
EOF
mv "$WORK/debootstrap.log" "$WORK/out/"
mv -T "$WORK/out" "$OUT"
# Older builds (other keys) are stale: the script changed. Remove them so /var/tmp does not fill.
for d in "$CACHE"/*/; do
  d=${d%/}
  [[ $d == "$OUT" || $(basename "$d") == build.* ]] || rm -rf --one-file-system "$d"
done
log "built $OUT/disk.raw ($KERNEL, $((ALLOCATED / 1048576)) MiB allocated) in $(since "$T0")s"
echo "$OUT"
