#!/bin/sh
# ingot readiness probe, target rackspace (docs/readiness.md). Reads the file system under $ROOT
# (default /) and prints one JSON list on stdout: [{"id", "ok", "evidence"}, …], one item per trap
# (the ids are src/guest/readiness/items.ts, in the same order). It changes nothing, so it runs as
# well against a directory tree on the host as inside the guest just before it powers off.
#
# Env: ROOT        the tree to inspect (default /)
#      SSH_USER    the login user the image must create on first boot (readiness.ssh_user)
#      BUILD_USER  ingot's build user (default ingot-build)
#      BUILD_KEY   the build key's authorized_keys line (its key blob is searched for)
#      AGENT_NOTE  why the guest agent could not be installed, if the preparation tried and failed
set -u
export LC_ALL=C
R=${ROOT:-/}
R=${R%/}
SSH_USER=${SSH_USER:-}
BUILD_USER=${BUILD_USER:-ingot-build}
BUILD_KEY=${BUILD_KEY:-}
AGENT_NOTE=${AGENT_NOTE:-}

OUT=''
# item ID OK(true|false) EVIDENCE — appends one JSON object; evidence is one line of text.
item() {
  ev=$(printf '%s' "$3" | tr '\n\t\r' '   ' | sed 's/[[:space:]]*$//; s/\\/\\\\/g; s/"/\\"/g')
  OUT="$OUT${OUT:+,
}  {\"id\": \"$1\", \"ok\": $2, \"evidence\": \"$ev\"}"
}
# rel PATH — the path as the image sees it (without the ROOT prefix).
rel() { printf '%s' "${1#"$R"}"; }
# existing PATH… — prints the arguments that exist (a glob that matched nothing is skipped).
existing() { for p in "$@"; do if [ -e "$p" ] || [ -L "$p" ]; then rel "$p"; printf ' '; fi; done; }

# cloud-init reads /etc/cloud/cloud.cfg, then cloud.cfg.d/*.cfg in C-locale order; for top-level
# keys a later file wins. CFG_FILES lists them in that order.
CFG_FILES=''
for f in "$R/etc/cloud/cloud.cfg" "$R"/etc/cloud/cloud.cfg.d/*.cfg; do
  [ -f "$f" ] && CFG_FILES="$CFG_FILES $f"
done

# datasource_list of one file, as "A,B,C" (flow or block list); nothing when the file has none.
ds_list() {
  awk '
    /^datasource_list:/ {
      v = $0; sub(/^datasource_list:[[:space:]]*/, "", v); sub(/[[:space:]]+#.*$/, "", v)
      if (v != "") { gsub(/[][[:space:]"\047]/, "", v); print v; found = 1; exit }
      block = 1; list = ""; next
    }
    block && /^[[:space:]]*-/ { v = $0; sub(/^[[:space:]]*-[[:space:]]*/, "", v); sub(/[[:space:]]+#.*$/, "", v); gsub(/[[:space:]"\047]/, "", v); list = list (list == "" ? "" : ",") v; next }
    block && /^[[:space:]]*(#|$)/ { next }
    block { print list; found = 1; exit }
    END { if (block && !found) print list }
  ' "$1"
}
DS=''
DS_FILE=''
for f in $CFG_FILES; do
  v=$(ds_list "$f")
  if [ -n "$v" ] || grep -q '^datasource_list:' "$f"; then DS=$v; DS_FILE=$(rel "$f"); fi
done

# system_info.default_user.name of one file (block style, as Debian and Ubuntu write it).
default_user() {
  awk '
    /^[^[:space:]#]/ { insys = ($0 ~ /^system_info:/); indu = 0; next }
    insys && /^[[:space:]]+default_user:/ { match($0, /^[[:space:]]*/); du = RLENGTH; indu = 1; next }
    insys && indu {
      if ($0 ~ /^[[:space:]]*(#|$)/) next
      match($0, /^[[:space:]]*/)
      if (RLENGTH <= du) { indu = 0; next }
      if ($0 ~ /^[[:space:]]+name:/) { v = $0; sub(/^[[:space:]]+name:[[:space:]]*/, "", v); sub(/[[:space:]]+#.*$/, "", v); gsub(/["\047]/, "", v); name = v }
    }
    END { if (name != "") print name }
  ' "$1"
}

# The kernel command line as GRUB will write it: /etc/default/grub, then grub.d/*.cfg (what
# grub-mkconfig sources), evaluated in a subshell; and the linux lines of the generated grub.cfg.
grub_defaults() {
  (
    set +u
    GRUB_CMDLINE_LINUX='' GRUB_CMDLINE_LINUX_DEFAULT='' GRUB_DISABLE_LINUX_UUID=''
    for f in "$R/etc/default/grub" "$R"/etc/default/grub.d/*.cfg; do
      # shellcheck disable=SC1090
      [ -f "$f" ] && . "$f" >/dev/null 2>&1
    done
    printf '%s\n' "cmdline=$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT" "disable_uuid=$GRUB_DISABLE_LINUX_UUID"
  )
}
GRUB_CFG=''
for f in "$R/boot/grub/grub.cfg" "$R/boot/grub2/grub.cfg"; do
  if [ -f "$f" ]; then GRUB_CFG=$f; break; fi
done
linux_lines() { grep -E '^[[:space:]]*linux(efi)?[[:space:]]' "$GRUB_CFG" 2>/dev/null; }

OS_ID=''
OS_VERSION=''
# /etc/os-release is often a link to /usr/lib/os-release; under a ROOT prefix an absolute link
# would point at the host's, so read the file under ROOT directly when /etc's is not a file.
OS_RELEASE=$R/etc/os-release
[ -f "$OS_RELEASE" ] && ! [ -L "$OS_RELEASE" ] || OS_RELEASE=$R/usr/lib/os-release
if [ -f "$OS_RELEASE" ]; then
  OS_ID=$(sed -n 's/^ID=//p' "$OS_RELEASE" | tr -d '"')
  OS_VERSION=$(sed -n 's/^VERSION_ID=//p' "$OS_RELEASE" | tr -d '"')
fi

# --- cloud-init-installed ----------------------------------------------------------------------
if [ ! -e "$R/usr/bin/cloud-init" ]; then
  item cloud-init-installed false "/usr/bin/cloud-init is missing: nothing would read the config drive"
elif [ -e "$R/etc/cloud/cloud-init.disabled" ]; then
  item cloud-init-installed false "/etc/cloud/cloud-init.disabled exists: cloud-init would not run on first boot"
elif [ "$(readlink "$R/etc/systemd/system/cloud-init.service" 2>/dev/null)" = /dev/null ]; then
  item cloud-init-installed false "/etc/systemd/system/cloud-init.service is masked"
else
  item cloud-init-installed true "/usr/bin/cloud-init present and enabled"
fi

# --- datasource-configdrive / nocloud-absent ---------------------------------------------------
if [ -z "$DS_FILE" ]; then
  item datasource-configdrive false "no datasource_list in /etc/cloud/cloud.cfg or cloud.cfg.d: cloud-init's built-in list tries NoCloud before ConfigDrive"
elif [ "${DS%%,*}" = ConfigDrive ]; then
  item datasource-configdrive true "datasource_list [$DS] in $DS_FILE"
else
  item datasource-configdrive false "datasource_list [$DS] in $DS_FILE does not start with ConfigDrive"
fi
nocloud=''
case ",$DS," in *,NoCloud,*|*,NoCloudNet,*) nocloud="datasource_list [$DS] in $DS_FILE names NoCloud" ;; esac
[ -z "$DS_FILE" ] && nocloud="no datasource_list: cloud-init's built-in list includes NoCloud"
seeds=$(existing "$R"/var/lib/cloud/seed/nocloud*)
[ -n "$seeds" ] && nocloud="${nocloud:+$nocloud; }NoCloud seed left in $seeds"
for f in "$R/etc/default/grub" "$R"/etc/default/grub.d/*.cfg $GRUB_CFG; do
  [ -f "$f" ] && grep -q 'ds=nocloud' "$f" && nocloud="${nocloud:+$nocloud; }ds=nocloud on the kernel command line in $(rel "$f")"
done
if [ -n "$nocloud" ]; then item nocloud-absent false "$nocloud"; else item nocloud-absent true "datasource_list [$DS] in $DS_FILE; no NoCloud seed"; fi

# --- cloud-init-network ------------------------------------------------------------------------
disabled=''
for f in $CFG_FILES; do
  if awk '
      /^network:[[:space:]]*\{.*config:[[:space:]]*disabled/ { hit = 1 }
      /^[^[:space:]#]/ { innet = ($0 ~ /^network:[[:space:]]*$/); next }
      innet && /^[[:space:]]+config:[[:space:]]*disabled/ { hit = 1 }
      END { exit hit ? 0 : 1 }' "$f"; then disabled="${disabled:+$disabled, }$(rel "$f")"; fi
done
if [ -n "$disabled" ]; then
  item cloud-init-network false "network: {config: disabled} in $disabled: cloud-init would ignore network_data.json (Rackspace's static addresses)"
else
  item cloud-init-network true "no file disables cloud-init's network configuration"
fi

# --- cloud-init-clean --------------------------------------------------------------------------
state=$(existing "$R/var/lib/cloud/instance" "$R"/var/lib/cloud/instances/* "$R"/var/lib/cloud/data/* "$R"/var/lib/cloud/sem/* "$R"/var/log/cloud-init.log "$R"/var/log/cloud-init-output.log)
if [ -n "$state" ]; then
  item cloud-init-clean false "cloud-init state from the build: $state(run cloud-init clean --logs --seed)"
else
  item cloud-init-clean true "no instance state under /var/lib/cloud, no cloud-init logs"
fi

# --- default-user ------------------------------------------------------------------------------
name=''
name_file=''
for f in $CFG_FILES; do
  v=$(default_user "$f")
  if [ -n "$v" ]; then name=$v; name_file=$(rel "$f"); fi
done
if [ -z "$SSH_USER" ]; then
  item default-user false "the probe was not told the expected ssh_user (SSH_USER is empty)"
elif [ "$name" = "$SSH_USER" ]; then
  item default-user true "system_info.default_user.name is $name in $name_file"
elif [ -z "$name" ]; then
  item default-user false "no system_info.default_user.name in /etc/cloud: $SSH_USER would not be created"
else
  item default-user false "system_info.default_user.name is $name in $name_file, expected $SSH_USER"
fi

# --- build-user-absent -------------------------------------------------------------------------
left=''
for f in passwd shadow group gshadow; do
  [ -f "$R/etc/$f" ] && awk -F: -v u="$BUILD_USER" '$1 == u { hit = 1 } $4 != "" && index("," $4 ",", "," u ",") { hit = 1 } END { exit hit ? 0 : 1 }' "$R/etc/$f" &&
    left="$left /etc/$f names $BUILD_USER;"
done
[ -e "$R/home/$BUILD_USER" ] && left="$left /home/$BUILD_USER exists;"
for f in "$R/etc/sudoers" "$R"/etc/sudoers.d/*; do
  [ -f "$f" ] && grep -Eq "^[[:space:]]*$BUILD_USER[[:space:]]" "$f" && left="$left $(rel "$f") grants $BUILD_USER sudo;"
done
if [ -n "$left" ]; then item build-user-absent false "${left# }"; else item build-user-absent true "no $BUILD_USER in /etc/passwd, /etc/group, /home or sudoers"; fi

# --- build-key-absent --------------------------------------------------------------------------
blob=$(printf '%s' "$BUILD_KEY" | awk '{ print $2 }')
found=''
for f in "$R"/root/.ssh/authorized_keys* "$R"/home/*/.ssh/authorized_keys* "$R"/etc/ssh/authorized_keys*; do
  [ -f "$f" ] || continue
  if { [ -n "$blob" ] && grep -qF "$blob" "$f"; } || grep -qF "$BUILD_USER@" "$f"; then found="$found $(rel "$f")"; fi
done
if [ -n "$found" ]; then item build-key-absent false "the build key is still authorized in$found"; else item build-key-absent true "the build key is in no authorized_keys file"; fi

# --- seed-config-absent ------------------------------------------------------------------------
# ingot's seed carries the build user, its key and the host key (comments ingot-build@… and
# ingot-host@…) and a marker line; none of it may survive in cloud-init's configuration or seed.
seedleft=''
for f in "$R"/etc/cloud/cloud.cfg "$R"/etc/cloud/cloud.cfg.d/* "$R"/var/lib/cloud/seed/*/*; do
  [ -f "$f" ] || continue
  if grep -qE "Build access merged in by ingot|ingot-host@|$BUILD_USER" "$f" || { [ -n "$blob" ] && grep -qF "$blob" "$f"; }; then
    seedleft="$seedleft $(rel "$f")"
  fi
done
if [ -n "$seedleft" ]; then item seed-config-absent false "ingot's seed configuration is left in$seedleft"; else item seed-config-absent true "no trace of ingot's seed in /etc/cloud or /var/lib/cloud/seed"; fi

# --- host-keys-absent --------------------------------------------------------------------------
keys=$(existing "$R"/etc/ssh/ssh_host_*)
if [ -n "$keys" ]; then item host-keys-absent false "host keys from the build: $keys(every server would share them)"; else item host-keys-absent true "no /etc/ssh/ssh_host_* files"; fi

# --- machine-id-empty --------------------------------------------------------------------------
if [ ! -e "$R/etc/machine-id" ]; then
  item machine-id-empty false "/etc/machine-id is missing (it should exist and be empty, so systemd makes one on first boot)"
elif [ -s "$R/etc/machine-id" ]; then
  item machine-id-empty false "/etc/machine-id holds the build's id (every server would share it)"
elif [ -e "$R/var/lib/dbus/machine-id" ] && [ "$(readlink "$R/var/lib/dbus/machine-id" 2>/dev/null)" != /etc/machine-id ]; then
  item machine-id-empty false "/var/lib/dbus/machine-id is left from the build"
else
  item machine-id-empty true "/etc/machine-id is empty; no /var/lib/dbus/machine-id of its own"
fi

# --- net-rules-absent --------------------------------------------------------------------------
pinned=$(existing "$R/etc/udev/rules.d/70-persistent-net.rules")
for f in "$R"/etc/netplan/*.yaml "$R"/etc/netplan/*.yml; do
  [ -f "$f" ] && grep -Eqi '^[[:space:]]*macaddress:' "$f" && pinned="$pinned$(rel "$f") "
done
for f in "$R/etc/network/interfaces" "$R"/etc/network/interfaces.d/*; do
  [ -f "$f" ] && grep -Eqi '^[[:space:]]*hwaddress[[:space:]]' "$f" && pinned="$pinned$(rel "$f") "
done
for f in "$R"/etc/systemd/network/*.link "$R"/etc/systemd/network/*.network; do
  [ -f "$f" ] && grep -Eq '^[[:space:]]*MACAddress=' "$f" && pinned="$pinned$(rel "$f") "
done
for f in "$R"/etc/sysconfig/network-scripts/ifcfg-* "$R"/etc/NetworkManager/system-connections/*; do
  [ -f "$f" ] && grep -Eqi '^[[:space:]]*(HWADDR=|mac-address=)' "$f" && pinned="$pinned$(rel "$f") "
done
if [ -n "$pinned" ]; then
  item net-rules-absent false "network configuration pinned to the build's MAC: $pinned(a new server's NIC would stay down)"
else
  item net-rules-absent true "no persistent net rules, no MAC-pinned interface configuration"
fi

# --- fstab-by-uuid -----------------------------------------------------------------------------
if [ ! -f "$R/etc/fstab" ]; then
  item fstab-by-uuid true "no /etc/fstab: the root comes from the kernel command line"
else
  bad=$(awk '
    /^[[:space:]]*(#|$)/ { next }
    $1 ~ /^\/dev\/(sd|vd|xvd|hd|nvme)[a-z0-9]+$/ || $1 ~ /^\/dev\/disk\/by-(id|path)\// { printf "%s%s on %s", sep, $1, $2; sep = ", " }' "$R/etc/fstab")
  if [ -n "$bad" ]; then
    item fstab-by-uuid false "/etc/fstab names devices by kernel name: $bad (Xen gives /dev/xvdX where the build saw another name)"
  else
    item fstab-by-uuid true "/etc/fstab names its devices by UUID, LABEL or another stable name"
  fi
fi

# --- grub-root-by-uuid / console-hvc0-ttyS0 ----------------------------------------------------
defaults=$(grub_defaults)
def_cmdline=$(printf '%s\n' "$defaults" | sed -n 's/^cmdline=//p')
def_nouuid=$(printf '%s\n' "$defaults" | sed -n 's/^disable_uuid=//p')
if [ -z "$GRUB_CFG" ]; then
  item grub-root-by-uuid false "no /boot/grub/grub.cfg: cannot tell how the kernel finds its root"
else
  badroot=$(linux_lines | grep -Eo 'root=/dev/[^[:space:]]+' | sort -u | tr '\n' ' ')
  if [ -n "$badroot" ]; then
    item grub-root-by-uuid false "$(rel "$GRUB_CFG") boots with ${badroot}(a kernel device name)"
  elif [ "$def_nouuid" = true ]; then
    item grub-root-by-uuid false "GRUB_DISABLE_LINUX_UUID=true in /etc/default/grub: the next update-grub writes root=/dev/…"
  elif [ -z "$(linux_lines)" ]; then
    item grub-root-by-uuid false "$(rel "$GRUB_CFG") has no linux lines"
  else
    item grub-root-by-uuid true "$(rel "$GRUB_CFG") boots with $(linux_lines | grep -Eo 'root=[^[:space:]]+' | sort -u | tr '\n' ' ')"
  fi
fi
has_consoles() { printf ' %s \n' "$1" | grep -Eq ' console=hvc0[ ,]' && printf ' %s \n' "$1" | grep -Eq ' console=ttyS0[ ,]'; }
if [ -z "$GRUB_CFG" ]; then
  item console-hvc0-ttyS0 false "no /boot/grub/grub.cfg: cannot tell the kernel's consoles"
else
  lacking=''
  while IFS= read -r line; do
    has_consoles "$line" || lacking="x"
  done <<EOF
$(linux_lines)
EOF
  if [ -z "$(linux_lines)" ] || [ -n "$lacking" ]; then
    item console-hvc0-ttyS0 false "$(rel "$GRUB_CFG") has a linux line without console=hvc0 and console=ttyS0"
  elif [ -f "$R/etc/default/grub" ] && ! has_consoles "$def_cmdline"; then
    item console-hvc0-ttyS0 false "/etc/default/grub (with grub.d) lacks console=hvc0 console=ttyS0: the next update-grub drops them"
  else
    item console-hvc0-ttyS0 true "console=hvc0 and console=ttyS0 on every linux line of $(rel "$GRUB_CFG")"
  fi
fi

# --- guest-agent -------------------------------------------------------------------------------
agent=$(existing "$R/usr/sbin/xe-daemon" "$R/usr/bin/xe-daemon")
if [ -z "$agent" ] && [ -f "$R/var/lib/dpkg/status" ] &&
  awk '/^Package: xe-guest-utilities$/ { p = 1; next } /^$/ { p = 0 } p && /^Status: install ok installed$/ { hit = 1 } END { exit hit ? 0 : 1 }' "$R/var/lib/dpkg/status"; then
  agent='xe-guest-utilities (dpkg status)'
fi
if [ -n "$agent" ]; then
  item guest-agent true "XenServer guest agent installed: $agent"
elif [ -n "$AGENT_NOTE" ]; then
  item guest-agent false "XenServer guest agent not installed: $AGENT_NOTE"
elif [ "$OS_ID" = debian ] && [ "$OS_VERSION" = 12 ]; then
  # Checked with apt-cache on bookworm: no xe-guest-utilities. Rackspace boots such images with
  # xenapi_use_agent=False, which ingot sets on push (reference/rackspace.md §4.1, §5.5).
  item guest-agent true "Debian 12 packages no XenServer guest agent (no xe-guest-utilities in bookworm); the image relies on cloud-init and xenapi_use_agent=False"
else
  item guest-agent false "XenServer guest agent not installed (no xe-daemon; ${OS_ID:-unknown} ${OS_VERSION} packages xe-guest-utilities)"
fi

# --- caches-clean ------------------------------------------------------------------------------
cache=$(existing "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin)
lists=$(existing "$R"/var/lib/apt/lists/*_*)
[ -n "$lists" ] && cache="$cache$(printf '%s' "$lists" | wc -w) apt list file(s) in /var/lib/apt/lists "
if [ -n "$cache" ]; then item caches-clean false "package caches from the build: $cache"; else item caches-clean true "no .deb files, apt caches or lists"; fi

# --- history-clean -----------------------------------------------------------------------------
hist=''
for home in "$R/root" "$R"/home/*; do
  hist="$hist$(existing "$home/.bash_history" "$home/.zsh_history" "$home/.ash_history" "$home/.sh_history" "$home/.history" "$home/.python_history")"
done
if [ -n "$hist" ]; then item history-clean false "shell histories from the build: $hist"; else item history-clean true "no shell histories in /root or /home"; fi

printf '[\n%s\n]\n' "$OUT"
