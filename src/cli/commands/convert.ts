// `ingot convert`: declared so help and scripts can rely on it; built by issue 3.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert raw, qcow2, vmdk or vhd into a dynamic VHD that XenServer and Rackspace accept',
  usage: 'ingot convert IN OUT.vhd',
  description: 'convert raw, qcow2, vmdk or vhd into a dynamic VHD that XenServer and Rackspace accept. Not built yet (issue 3).',
  options: {},
  async run() {
    throw notImplemented('convert', 'issue 3');
  },
};
