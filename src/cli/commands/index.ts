// Every command, in the order `ingot --help` lists them.
import type { Command } from '../command.js';
import { buildCommand } from './build.js';
import { checkCommand } from './check.js';
import { cleanCommand } from './clean.js';
import { configCommand } from './config.js';
import { convertCommand } from './convert.js';
import { doctorCommand } from './doctor.js';
import { labCommand } from './lab.js';
import { pushCommand } from './push.js';
import { rehearseCommand } from './rehearse.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly Command[] = [
  validateCommand,
  buildCommand,
  checkCommand,
  convertCommand,
  pushCommand,
  rehearseCommand,
  labCommand,
  cleanCommand,
  configCommand,
  doctorCommand,
];
