// Runs the real CLI (bin/ingot.js on the built dist/) as a child process, the way a user does.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/ingot.js', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeout?: number } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    env: { CI: 'true', ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    timeout: opts.timeout ?? 60_000,
  });
  return { status: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
