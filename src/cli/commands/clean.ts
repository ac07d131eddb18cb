// `ingot clean`: lists, then removes, what interrupted builds left on the XAPI host.
import { loadConfig } from '../../config/index.js';
import { EXIT, IngotError } from '../../errors/index.js';
import { connectXapi } from '../../xapi/client.js';
import { parseDuration } from '../../recipe/index.js';
import { findLeftovers, olderThan, removeLeftovers } from '../../xapi/leftovers.js';
import { flag, stringOption } from '../args.js';
import type { Command } from '../command.js';

export const cleanCommand: Command = {
  name: 'clean',
  summary: 'find and remove what an interrupted build left on a host (objects tagged by ingot)',
  usage: 'ingot clean [--build ID] [--older-than DURATION] [--dry-run]',
  description:
    'Every VM and VDI a build creates carries other_config "ingot:build" = the build id. A build removes them itself,\n' +
    'even on failure or Ctrl-C (unless --keep); this command finds those that survived a killed process or a lost\n' +
    'connection, lists them, and removes them: VMs first (stopped if needed), then VDIs. Nothing unmarked is touched.',
  options: {
    build: { type: 'string', value: 'ID', description: 'only what this build left (the id is in its output and manifest)' },
    'older-than': { type: 'string', value: 'DURATION', description: 'only what builds started longer ago than this left (e.g. 2h, 30m): spares builds still running' },
    'dry-run': { type: 'boolean', description: 'list what would be removed, remove nothing' },
  },
  async run(ctx, args) {
    const age = stringOption(args, 'older-than');
    const ageMs = age === undefined ? undefined : durationMs(age); // a bad flag fails before any connection
    const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, redactor: ctx.redactor });
    const xapi = await connectXapi(config.xapi, { redactor: ctx.redactor, signal: ctx.signal, watch: ['task'] });
    try {
      const found = await findLeftovers(xapi, stringOption(args, 'build'));
      const leftovers = ageMs === undefined ? found : olderThan(found, ageMs);
      const dryRun = flag(args, 'dry-run');
      for (const l of leftovers) ctx.out.text(`${dryRun ? 'would remove' : 'found'} ${l.kind} "${l.name}" (${l.uuid}, build ${l.build}, ${l.state})`);
      if (leftovers.length === 0) ctx.out.text('nothing left by ingot on this host');
      const failed = dryRun ? [] : await removeLeftovers(xapi, leftovers, (l) => ctx.out.log('info', `removed ${l.kind} "${l.name}" (${l.uuid})`));
      ctx.out.emit({
        event: 'result', command: 'clean', ok: failed.length === 0,
        data: { dry_run: dryRun, found: leftovers.map(({ ref: _ref, ...rest }) => rest), failed: failed.map((f) => ({ uuid: f.leftover.uuid, error: String((f.error as Error)?.message ?? f.error) })) },
      });
      if (failed.length > 0) {
        throw new IngotError('XAPI_ERROR', `${failed.length} object(s) could not be removed: ${failed.map((f) => `${f.leftover.kind} ${f.leftover.uuid}: ${(f.error as Error)?.message}`).join('; ')}`, {
          hint: 'A VDI still attached to a running VM of another tool cannot be removed; check it on the host and run ingot clean again.',
        });
      }
      return EXIT.ok;
    } finally {
      await xapi.disconnect();
    }
  },
};

function durationMs(text: string): number {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new IngotError('USAGE', `--older-than expects a duration such as 90m or 2h, got '${text}'`, { hint: 'Units: s, m, h.' });
  return seconds * 1000;
}
