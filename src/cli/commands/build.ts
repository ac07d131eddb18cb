// `ingot build`: declared so help and scripts can rely on it; built by issue 5.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'build a golden image from a recipe on a XAPI host (--plan prints the stages, touching nothing)',
  usage: 'ingot build RECIPE [--plan] [--push] [--keep]',
  description: 'build a golden image from a recipe on a XAPI host (--plan prints the stages, touching nothing). Not built yet (issue 5).',
  options: {},
  async run() {
    throw notImplemented('build', 'issue 5');
  },
};
