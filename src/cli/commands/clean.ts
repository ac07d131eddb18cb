// `ingot clean`: declared so help and scripts can rely on it; built by issue 5.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const cleanCommand: Command = {
  name: 'clean',
  summary: 'find and remove what an interrupted build left on a host (objects tagged by ingot)',
  usage: 'ingot clean',
  description: 'find and remove what an interrupted build left on a host (objects tagged by ingot). Not built yet (issue 5).',
  options: {},
  async run() {
    throw notImplemented('clean', 'issue 5');
  },
};
