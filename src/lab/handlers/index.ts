// Every hand-written handler by wire name; everything else is generic (../generic.ts).
import type { Handler } from '../context.js';
import { EVENT_HANDLERS } from './event.js';
import { trackVmOperations } from './operations.js';
import { SESSION_HANDLERS } from './session.js';
import { TASK_HANDLERS } from './task.js';
import { VBD_HANDLERS } from './vbd.js';
import { VDI_HANDLERS } from './vdi.js';
import { VIF_HANDLERS } from './vif.js';
import { VM_POWER_HANDLERS } from './vm-power.js';
import { VM_HANDLERS } from './vm.js';

export const HANDLERS: Record<string, Handler> = trackVmOperations({
  ...SESSION_HANDLERS,
  ...TASK_HANDLERS,
  ...EVENT_HANDLERS,
  ...VM_HANDLERS,
  ...VM_POWER_HANDLERS,
  ...VDI_HANDLERS,
  ...VBD_HANDLERS,
  ...VIF_HANDLERS,
});
