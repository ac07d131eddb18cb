// `ingot lab`: declared so help and scripts can rely on it; built by issue 4.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const labCommand: Command = {
  name: 'lab',
  summary: 'run a local XAPI-compatible host whose VMs are real QEMU guests',
  usage: 'ingot lab serve|up|down|status',
  description: 'run a local XAPI-compatible host whose VMs are real QEMU guests. Not built yet (issue 4).',
  options: {},
  async run() {
    throw notImplemented('lab', 'issue 4');
  },
};
