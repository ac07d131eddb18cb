// The provisioning steps this folder runs. The recipe schema (src/recipe) is its own; the
// pipeline maps recipe steps onto these, so the SSH code does not depend on the recipe format.

interface StepBase {
  /** Shown before every output line (`[label] …`) and in the manifest; default `<kind> <n>`. */
  label?: string;
}

export interface RunsAs {
  /** Run as root through `sudo -n` (default true: image building edits system files; the build user has passwordless sudo). */
  sudo?: boolean;
}

export interface ShellStep extends StepBase, RunsAs {
  kind: 'shell';
  /** An inline script; it runs with `sh -eu` (or `bash -euo pipefail`), so the first failing command fails the step. */
  run: string;
  interpreter?: 'sh' | 'bash';
  env?: Record<string, string>;
  timeoutSec?: number;
}

export interface ScriptStep extends StepBase, RunsAs {
  kind: 'script';
  /** A local file; uploaded and executed (its own `#!` line when it has one, else `sh -eu`). */
  path: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutSec?: number;
}

export interface UploadStep extends StepBase, RunsAs {
  kind: 'upload';
  /** A local file (copied to `destination`) or directory (its contents copied into `destination`). */
  source: string;
  destination: string;
  /** Mode for every uploaded file (default: the local file's); directories get `dirMode` (default 0755). */
  mode?: number;
  dirMode?: number;
  /** `user[:group]` for everything uploaded (needs sudo; default root:root with sudo, the build user without). */
  owner?: string;
  /** Bound for the transfer (Ctrl-C always stops it). */
  timeoutSec?: number;
}

export interface RebootStep extends StepBase {
  kind: 'reboot';
  /** How long the guest may take to go down (default 120 s); coming back is bounded by the wait options. */
  downTimeoutSec?: number;
}

export type ProvisionStep = ShellStep | ScriptStep | UploadStep | RebootStep;

/** What the manifest records for each step. */
export interface StepResult {
  index: number;
  label: string;
  kind: ProvisionStep['kind'];
  ok: boolean;
  /** The remote command's exit status (null for uploads and reboots, or when the command was killed). */
  exitCode: number | null;
  durationMs: number;
  /** The last output lines (stdout and stderr interleaved as they arrived). */
  lastLines: string[];
  /** One line on what happened (`exit 0`, `3 files`, `boot id a → b`, `timed out after 5 s`). */
  summary: string;
}
