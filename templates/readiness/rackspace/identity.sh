#!/bin/sh
# ingot readiness: what identifies the build machine, read before prepare.sh removes it (the
# manifest's readiness.build_identity; `ingot rehearse` checks a new server differs). Read-only;
# runs as root (cloud-init writes the host keys' .pub files 0600). One "key value" line each;
# host-key lines are authorized_keys-style.
set -u
. /etc/os-release
printf 'os %s %s\n' "${ID:-unknown}" "${VERSION_ID:-unknown}"
printf 'pretty %s\n' "${PRETTY_NAME:-unknown}"
printf 'hostname %s\n' "$(hostname)"
[ -f /etc/machine-id ] && printf 'machine-id-sha256 %s\n' "$(sha256sum </etc/machine-id | cut -d' ' -f1)"
for f in /etc/ssh/ssh_host_*_key.pub; do
  [ -r "$f" ] && [ -s "$f" ] && printf 'host-key %s\n' "$(head -n 1 "$f")"
done
exit 0
