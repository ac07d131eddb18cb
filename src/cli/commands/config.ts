// `ingot config`: shows the configuration ingot resolved and where each value came from,
// with every secret reported only as set or unset.
import { EXIT } from '../../errors/index.js';
import { loadConfig, type IngotConfig } from '../../config/index.js';
import type { Command } from '../command.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'show the resolved configuration and where each value came from (secrets shown as set/unset)',
  usage: 'ingot config',
  description:
    'Resolves the configuration as every other command does (flags > environment > configuration file > defaults)\n' +
    'and prints it. Secrets are never printed: only whether they are set and from where. See docs/configuration.md.',
  options: {},
  async run(ctx) {
    const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, redactor: ctx.redactor });
    const view = describeConfig(config);
    ctx.out.emit({ event: 'result', command: 'config', ok: true, data: view });
    const rows = Object.entries(view.values).map(([key, { value, source }]) => `  ${key.padEnd(24)} ${value}  (${source})`);
    ctx.out.text([`configuration file: ${config.file ?? '(none)'}`, ...rows].join('\n'));
    return EXIT.ok;
  },
};

export function describeConfig(config: IngotConfig): { file: string | null; values: Record<string, { value: string; source: string }> } {
  const secret = (v: string | undefined): string => (v === undefined ? '(unset)' : '(set)');
  const plain = (v: string | undefined): string => v ?? '(unset)';
  const tls = config.xapi.tls;
  const trust = tls.kind === 'fingerprint' ? `fingerprint ${tls.sha256}` : tls.kind === 'ca' ? `CA file ${tls.caFile}` : 'system CAs';
  const trustSource = tls.kind === 'fingerprint' ? config.sources['xapi.fingerprint'] : tls.kind === 'ca' ? config.sources['xapi.ca_file'] : 'default';
  const entries: Array<[string, string, string | undefined]> = [
    ['xapi.url', plain(config.xapi.url), config.sources['xapi.url']],
    ['xapi.username', plain(config.xapi.username), config.sources['xapi.username']],
    ['xapi.password', secret(config.xapi.password), config.sources['xapi.password']],
    ['xapi.tls', trust, trustSource],
    ['xapi.bastion', plain(config.xapi.bastion), config.sources['xapi.bastion']],
    ['rackspace.username', plain(config.rackspace.username), config.sources['rackspace.username']],
    ['rackspace.api_key', secret(config.rackspace.apiKey), config.sources['rackspace.api_key']],
    ['rackspace.password', secret(config.rackspace.password), config.sources['rackspace.password']],
    ['rackspace.region', plain(config.rackspace.region), config.sources['rackspace.region']],
    ['rackspace.identity_url', config.rackspace.identityUrl, config.sources['rackspace.identity_url']],
  ];
  return {
    file: config.file ?? null,
    values: Object.fromEntries(entries.map(([key, value, source]) => [key, { value, source: source ?? 'default' }])),
  };
}
