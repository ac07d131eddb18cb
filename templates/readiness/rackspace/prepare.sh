#!/bin/sh
# ingot readiness, target rackspace: prepares the guest for its first boot on Rackspace Cloud
# Servers (docs/readiness.md; reference/rackspace.md §4–§5). Runs as root, from run.sh, in the
# same root process as the probe: once the build user is gone, sudo from it no longer works.
# Progress goes to stderr. Env: SSH_USER, BUILD_USER, BUILD_KEY (see probe.sh), STATE_DIR (where
# notes for the probe go; removed before power-off).
set -eu
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
say() { printf 'readiness: %s\n' "$*" >&2; }

# Supported: Debian 12 and Ubuntu 24.04. The stage checked os-release before uploading this;
# checked again so that nothing below ever runs on another system.
. /etc/os-release
case "${ID:-}:${VERSION_ID:-}" in
  debian:12|ubuntu:24.04) ;;
  *) say "${PRETTY_NAME:-this system} is not supported yet (Debian 12, Ubuntu 24.04); nothing was changed"; exit 3 ;;
esac
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 3; }
[ -n "$SSH_USER" ] && [ -n "$BUILD_USER" ] || { say "SSH_USER and BUILD_USER must be set"; exit 3; }

# --- cloud-init, ConfigDrive first, NoCloud gone ----------------------------------------------
if ! command -v cloud-init >/dev/null 2>&1; then
  say "cloud-init is missing; installing it"
  apt-get install -y --no-install-recommends cloud-init >&2 || say "could not install cloud-init (the probe reports it)"
fi
rm -f /etc/cloud/cloud-init.disabled
mkdir -p /etc/cloud/cloud.cfg.d
# 90_dpkg.cfg is what `dpkg-reconfigure cloud-init` writes from debconf: set both, so a later
# reconfigure keeps ConfigDrive first.
if command -v debconf-set-selections >/dev/null 2>&1; then
  echo 'cloud-init cloud-init/datasources multiselect ConfigDrive, None' | debconf-set-selections
fi
for f in /etc/cloud/cloud.cfg /etc/cloud/cloud.cfg.d/*.cfg; do
  [ -f "$f" ] || continue
  if grep -q '^datasource_list:' "$f"; then
    # Drop the key and a block list under it; the one list is in 90_dpkg.cfg.
    awk '/^datasource_list:/ { skip = 1; next } skip && /^[[:space:]]+-|^[[:space:]]*$/ { next } { skip = 0; print }' "$f" >"$f.ingot-tmp"
    cat "$f.ingot-tmp" >"$f" && rm -f "$f.ingot-tmp"
    say "removed datasource_list from $f"
  fi
done
printf '%s\n' '# Written by ingot (readiness target rackspace): Rackspace attaches a config drive (config-2).' \
  'datasource_list: [ ConfigDrive, None ]' >/etc/cloud/cloud.cfg.d/90_dpkg.cfg
rm -rf /var/lib/cloud/seed/nocloud /var/lib/cloud/seed/nocloud-net

# The default user: cloud-init creates it on first boot with the config drive's key and sudo.
cat >/etc/cloud/cloud.cfg.d/99_rackspace.cfg <<EOF
# Written by ingot (readiness target rackspace): the login user Rackspace's ssh_user metadata names.
system_info:
  default_user:
    name: $SSH_USER
    lock_passwd: true
    gecos: $SSH_USER
    groups: [adm, sudo]
    sudo: ["ALL=(ALL) NOPASSWD:ALL"]
    shell: /bin/bash
EOF
say "cloud-init: datasource_list [ ConfigDrive, None ], default user $SSH_USER"

# --- the XenServer guest agent, where the distribution packages one ---------------------------
if [ -x /usr/sbin/xe-daemon ] || [ -x /usr/bin/xe-daemon ]; then
  say "XenServer guest agent already installed"
elif [ "$ID" = ubuntu ]; then
  # Ubuntu 24.04 packages xe-guest-utilities 7.20.2 in universe; Debian 12 packages none (probe.sh
  # says so).
  log=$STATE_DIR/agent.log
  if timeout 600 apt-get install -y --no-install-recommends xe-guest-utilities >"$log" 2>&1 ||
    { timeout 600 apt-get update >>"$log" 2>&1 && timeout 600 apt-get install -y --no-install-recommends xe-guest-utilities >>"$log" 2>&1; }; then
    say "installed xe-guest-utilities"
  else
    printf 'apt-get install xe-guest-utilities failed: %s\n' "$(grep -E '^(E|W):' "$log" | tail -n 1)" >"$STATE_DIR/agent-note"
    say "$(cat "$STATE_DIR/agent-note")"
  fi
fi

# --- consoles hvc0 and ttyS0, root by UUID ------------------------------------------------------
CONSOLES='console=tty0 console=hvc0 console=ttyS0,115200n8'
strip_consoles() { sed -E -i '/^[[:space:]]*GRUB_CMDLINE_LINUX(_DEFAULT)?=/ { s/console=[^[:space:]"'"'"']*//g; s/ds=nocloud[^[:space:]"'"'"']*//g; s/([="'"'"'])[[:space:]]+/\1/; s/[[:space:]]+(["'"'"'])[[:space:]]*$/\1/ }' "$1"; }
if [ -f /etc/default/grub ]; then
  for f in /etc/default/grub /etc/default/grub.d/*.cfg; do [ -f "$f" ] && strip_consoles "$f"; done
  sed -i '/^[[:space:]]*GRUB_DISABLE_LINUX_UUID=/d' /etc/default/grub
  mkdir -p /etc/default/grub.d
  # grub-mkconfig sources grub.d/*.cfg after /etc/default/grub: this file appends last.
  printf '%s\n' '# Written by ingot (readiness target rackspace): Xen console hvc0 and serial ttyS0.' \
    "GRUB_CMDLINE_LINUX=\"\${GRUB_CMDLINE_LINUX:+\$GRUB_CMDLINE_LINUX }$CONSOLES\"" >/etc/default/grub.d/99-ingot-rackspace.cfg
fi
if command -v update-grub >/dev/null 2>&1 && [ -f /etc/default/grub ] && update-grub >&2; then
  say "grub.cfg regenerated with $CONSOLES"
elif [ -f /boot/grub/grub.cfg ]; then
  # No working update-grub: edit the linux lines of the existing grub.cfg.
  sed -E -i '/^[[:space:]]*linux[[:space:]]/ { s/[[:space:]]console=[^[:space:]]*//g; s/[[:space:]]ds=nocloud[^[:space:]]*//g; s/$/ '"$CONSOLES"'/ }' /boot/grub/grub.cfg
  say "grub.cfg linux lines edited for $CONSOLES"
fi

# --- fstab by UUID (or LABEL) -------------------------------------------------------------------
# stable DEVICE MOUNTPOINT TYPE — UUID=… or LABEL=… for the device an fstab line names by its
# kernel name, found through the name itself, else what is mounted there (or the active swap).
stable() {
  dev=$1
  [ -b "$dev" ] || dev=''
  if [ -z "$dev" ] && [ "$3" = swap ]; then dev=$(awk 'NR == 2 { print $1 }' /proc/swaps); fi
  if [ -z "$dev" ] && [ "$2" != none ]; then dev=$(findmnt -n -o SOURCE --mountpoint "$2" 2>/dev/null || true); fi
  [ -n "$dev" ] || return 0
  uuid=$(blkid -s UUID -o value "$dev" 2>/dev/null || true)
  if [ -n "$uuid" ]; then echo "UUID=$uuid"; return 0; fi
  label=$(blkid -s LABEL -o value "$dev" 2>/dev/null || true)
  if [ -n "$label" ]; then echo "LABEL=$label"; fi
}
if [ -f /etc/fstab ]; then
  : >/etc/fstab.ingot-tmp
  while IFS= read -r line || [ -n "$line" ]; do
    set -f
    # shellcheck disable=SC2086
    set -- $line
    set +f
    case "${1:-}" in
      /dev/sd*|/dev/vd*|/dev/xvd*|/dev/hd*|/dev/nvme*)
        new=$(stable "$1" "${2:-none}" "${3:-}")
        if [ -n "$new" ]; then
          say "fstab: $1 on ${2:-} → $new"
          line=$(printf '%s\n' "$line" | sed "s|$1|$new|")
        else
          say "fstab: no UUID or LABEL found for $1 (the probe reports it)"
        fi ;;
    esac
    printf '%s\n' "$line" >>/etc/fstab.ingot-tmp
  done </etc/fstab
  cat /etc/fstab.ingot-tmp >/etc/fstab && rm -f /etc/fstab.ingot-tmp
fi

# --- network configuration from the build -------------------------------------------------------
# cloud-init renders a new one on the first Rackspace boot from network_data.json.
rm -f /etc/udev/rules.d/70-persistent-net.rules /etc/udev/rules.d/75-persistent-net-generator.rules \
  /etc/netplan/50-cloud-init.yaml /etc/network/interfaces.d/50-cloud-init /etc/network/interfaces.d/50-cloud-init.cfg \
  /etc/systemd/network/10-cloud-init-*.network /etc/systemd/network/10-cloud-init-*.link

# --- the build user, its key, its sudoers entry -------------------------------------------------
# This process stays root; the build user's own SSH session keeps running until power-off.
if getent passwd "$BUILD_USER" >/dev/null; then
  home=$(getent passwd "$BUILD_USER" | cut -d: -f6)
  userdel -f -r "$BUILD_USER" 2>&1 | sed 's/^/readiness: userdel: /' >&2 || true
  getent passwd "$BUILD_USER" >/dev/null && { say "userdel left $BUILD_USER in /etc/passwd"; exit 4; }
  case "$home" in /home/?*) rm -rf "$home" ;; esac
  say "removed the build user $BUILD_USER"
fi
getent group "$BUILD_USER" >/dev/null && groupdel "$BUILD_USER" 2>/dev/null || true
rm -rf "/home/$BUILD_USER" "/var/mail/$BUILD_USER" "/var/spool/cron/crontabs/$BUILD_USER"
for f in /etc/sudoers.d/*; do
  [ -f "$f" ] && grep -q "$BUILD_USER" "$f" || continue
  sed -i "/^[[:space:]]*$BUILD_USER[[:space:]]/d; /^# User rules for $BUILD_USER\$/d" "$f"
  # cloud-init's 90-cloud-init-users holds only the users it made: gone when nothing is left.
  grep -qv '^[[:space:]]*\(#.*\)\?$' "$f" || rm -f "$f"
done
blob=$(printf '%s' "$BUILD_KEY" | awk '{ print $2 }')
for f in /root/.ssh/authorized_keys* /home/*/.ssh/authorized_keys*; do
  [ -f "$f" ] || continue
  if { [ -n "$blob" ] && grep -qF "$blob" "$f"; } || grep -qF "$BUILD_USER@" "$f"; then
    grep -vF -e "${blob:-$BUILD_USER@}" -e "$BUILD_USER@" "$f" >"$f.ingot-tmp" || true
    cat "$f.ingot-tmp" >"$f" && rm -f "$f.ingot-tmp"
    say "removed the build key from $f"
  fi
done

# --- identity of this machine: host keys and machine-id ---------------------------------------
rm -f /etc/ssh/ssh_host_*
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
say "removed the SSH host keys and emptied /etc/machine-id"

# --- cloud-init state, caches, histories ------------------------------------------------------
if command -v cloud-init >/dev/null 2>&1; then
  cloud-init clean --logs --seed >&2 || { cloud-init clean --logs >&2 && rm -rf /var/lib/cloud/seed; }
fi
apt-get clean
rm -rf /var/lib/apt/lists/*
for home in /root /home/*; do
  rm -f "$home/.bash_history" "$home/.zsh_history" "$home/.ash_history" "$home/.sh_history" "$home/.history" "$home/.python_history"
done
say "cloud-init cleaned; apt caches and shell histories cleared"

# --- zero free space: ingot's VHD writer leaves all-zero blocks out ----------------------------
awk '$1 ~ /^\/dev\// && $3 ~ /^(ext[234]|xfs|btrfs|vfat)$/ { print $2 }' /proc/mounts | sort -u | while IFS= read -r mp; do
  zero=${mp%/}/.ingot-zero
  started=$(date +%s)
  dd if=/dev/zero of="$zero" bs=1M 2>/dev/null || true # stops at "No space left on device"
  sync
  rm -f "$zero"
  say "zeroed the free space of $mp in $(($(date +%s) - started)) s"
done
sync
