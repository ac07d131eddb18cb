// Stand-ins for the guest commands the fixture cannot run for real on the test machine: sudo
// (the build user's passwordless sudo: here we already are that user), reboot and poweroff
// (recorded in a control file the fixture watches), cloud-init (answers what the fixture says).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SUDO = `#!/bin/sh
# Passwordless sudo as the guest has it: drop the options ingot uses, run the command as a child
# and relay TERM, INT and HUP to it, as sudo does (sudo(8), "Signal handling"). The relay matters
# when the command is coreutils timeout, which moves itself into a process group of its own.
while [ $# -gt 0 ]; do
  case "$1" in
    -n|-E|-H) shift ;;
    --) shift; break ;;
    -*) echo "sudo (fixture): unsupported option $1" >&2; exit 1 ;;
    *) break ;;
  esac
done
# An asynchronous command's stdin is /dev/null in sh; hand it the real one through fd 3.
exec 3<&0
"$@" <&3 3<&- &
child=$!
exec 3<&-
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
trap 'kill -HUP "$child" 2>/dev/null' HUP
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || exit "$status"
done
`;

const POWER = (action: string): string => `#!/bin/sh
echo ${action} > "$INGOT_FIXTURE_CTL/power"
`;

const SYSTEMCTL = `#!/bin/sh
case "$1" in
  reboot|poweroff) echo "$1" > "$INGOT_FIXTURE_CTL/power" ;;
  *) echo "systemctl (fixture): only reboot and poweroff" >&2; exit 1 ;;
esac
`;

const CLOUD_INIT = `#!/bin/sh
# Answers like cloud-init status --wait --long, with what the fixture wrote into the control dir.
cat "$INGOT_FIXTURE_CTL/cloud-init.out"
exit "$(cat "$INGOT_FIXTURE_CTL/cloud-init.exit")"
`;

/** Writes the shims into `dir` (put first on PATH). */
export async function writeShims(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = { sudo: SUDO, reboot: POWER('reboot'), poweroff: POWER('poweroff'), systemctl: SYSTEMCTL, 'cloud-init': CLOUD_INIT };
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o755);
  }
}
