// `ingot check`: declared so help and scripts can rely on it; built by issue 3.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'check a VHD against its structure rules and what Rackspace Cloud Images accepts',
  usage: 'ingot check FILE.vhd [--json] [--max-size SIZE]',
  description: 'check a VHD against its structure rules and what Rackspace Cloud Images accepts. Not built yet (issue 3).',
  options: {},
  async run() {
    throw notImplemented('check', 'issue 3');
  },
};
