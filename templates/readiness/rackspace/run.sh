#!/bin/sh
# ingot readiness, target rackspace: the one root process (`sudo -n sh run.sh`) that prepares the
# guest, probes it and schedules its power-off. One process, because prepare.sh removes the build
# user and with it the sudo that started this. stdout carries only the probe's JSON.
set -u
D=$(dirname "$0")
. "$D/env"
export SSH_USER BUILD_USER BUILD_KEY
# poweroff_later — a power-off that outlives this SSH session, a few seconds from now, so the
# probe's report reaches ingot first (ingot then waits for the VM to halt).
poweroff_later() {
  sync
  if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
    systemd-run --quiet --on-active=5 --timer-property=AccuracySec=1s /bin/systemctl poweroff >&2 && return 0
  fi
  setsid sh -c 'sleep 5; poweroff' </dev/null >/dev/null 2>&1 &
}
STATE_DIR=$D sh "$D/prepare.sh" </dev/null >&2
rc=$?
if [ "$rc" -ne 0 ]; then
  # 3: refused before changing anything (unsupported system); the build user still works.
  [ "$rc" -eq 3 ] || poweroff_later
  echo "readiness: prepare.sh failed (exit $rc)" >&2
  rm -rf "$D"
  exit "$rc"
fi
AGENT_NOTE=$(cat "$D/agent-note" 2>/dev/null || true) ROOT=/ sh "$D/probe.sh" </dev/null
rc=$?
rm -rf "$D"
poweroff_later
exit "$rc"
