// What every step receives: the current guest connection (a reboot replaces it), how to wait for
// the guest again, and the callbacks for progress and Ctrl-C.
import type { Report } from '../../../cli/events.js';
import type { GuestSession } from '../session.js';
import type { WaitOptions } from '../wait.js';

export interface GuestLink {
  session: GuestSession;
  /** How to reach the guest again after a reboot (the same options the first wait used). */
  wait: WaitOptions;
}

export interface StepContext {
  link: GuestLink;
  index: number;
  label: string;
  report?: Report;
  signal?: AbortSignal;
  /** How many output lines a StepResult and a failure message keep (default 20). */
  keepLines: number;
}
