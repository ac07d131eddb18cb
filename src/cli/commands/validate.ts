// `ingot validate`: declared so help and scripts can rely on it; built by issue 2.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check recipes: schema and semantics, every error with file:line:col and a hint',
  usage: 'ingot validate RECIPE…',
  description: 'check recipes: schema and semantics, every error with file:line:col and a hint. Not built yet (issue 2).',
  options: {},
  async run() {
    throw notImplemented('validate', 'issue 2');
  },
};
