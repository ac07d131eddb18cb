// `ingot push`: declared so help and scripts can rely on it; built by issue 7.
import { notImplemented } from '../../errors/index.js';
import type { Command } from '../command.js';

export const pushCommand: Command = {
  name: 'push',
  summary: 'upload a VHD to Cloud Files, import it with Cloud Images and set its metadata',
  usage: 'ingot push IMAGE.vhd --name NAME --ssh-user USER',
  description: 'upload a VHD to Cloud Files, import it with Cloud Images and set its metadata. Not built yet (issue 7).',
  options: {},
  async run() {
    throw notImplemented('push', 'issue 7');
  },
};
