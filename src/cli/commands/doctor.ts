// `ingot doctor`: what this machine and the configured hosts lack for a build or a push, each
// finding with its fix. Exit status: 0 nothing failed (warnings allowed), 1 a check failed.
import { runDoctor, type Check } from '../../doctor/index.js';
import { EXIT } from '../../errors/index.js';
import type { Command } from '../command.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check this machine, the XAPI host and Rackspace access; print what is missing and how to fix it',
  usage: 'ingot doctor [--json]',
  description:
    'Checks Node, qemu-img, the configuration, the XAPI host when one is configured (reachable, TLS trusted,\n' +
    'login, versions, a thin SR, a network), Rackspace when credentials are set (token, region, Cloud Files and\n' +
    'Cloud Images endpoints), and what `ingot lab` needs (qemu-system, KVM, port 22, openssl, OVMF).\n' +
    'It uses the same client code as a build and a push, creates nothing, and never prints a secret.\n' +
    'Exit status: 0 nothing failed (warnings allowed), 1 a check failed. Details in docs/troubleshooting.md.',
  options: {},
  async run(ctx) {
    const checks = await runDoctor({
      env: ctx.env,
      cwd: ctx.cwd,
      configFile: ctx.global.config,
      redactor: ctx.redactor,
      signal: ctx.signal,
      onCheck: (c) => ctx.out.text(render(c)),
    });
    const count = (s: Check['status']) => checks.filter((c) => c.status === s).length;
    const summary = { ok: count('ok'), warn: count('warn'), fail: count('fail') };
    ctx.out.emit({ event: 'result', command: 'doctor', ok: summary.fail === 0, data: { checks, summary } });
    ctx.out.text(`doctor: ${summary.ok} ok, ${summary.warn} warning(s), ${summary.fail} failed`);
    return summary.fail === 0 ? EXIT.ok : EXIT.failed;
  },
};

function render(c: Check): string {
  const lines = [`${MARK[c.status]} ${c.id.padEnd(22)} ${c.found}`];
  if (c.fix !== null) lines.push(`     ${''.padEnd(22)} fix: ${c.fix}`);
  return lines.join('\n');
}
