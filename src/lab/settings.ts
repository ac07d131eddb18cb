// Where a lab keeps its state and who may log in: the state directory, the user, and the password
// (read from --password-file, or generated once and kept in <dir>/password with mode 0600).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { IngotError } from '../errors/index.js';

export const DEFAULT_PORT = 8443;
export const DEFAULT_USER = 'root';

/** --dir, else $XDG_STATE_HOME/ingot/lab, else ~/.local/state/ingot/lab. */
export function labDir(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  if (flag !== undefined) return resolve(cwd, flag);
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(env.HOME ?? homedir(), '.local', 'state');
  return join(base, 'ingot', 'lab');
}

export interface LabPassword {
  password: string;
  /** Where it is kept, to tell the user (the password itself is never printed). */
  file: string;
  generated: boolean;
}

export async function labPassword(dir: string, passwordFile: string | undefined, cwd: string): Promise<LabPassword> {
  if (passwordFile !== undefined) {
    const file = resolve(cwd, passwordFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new IngotError('SECRET_UNREADABLE', `Cannot read the lab password from ${file}.`, { hint: 'Check the path given to --password-file and its permissions.', cause: error });
    }
    const password = text.replace(/\r?\n$/, '');
    if (password.length < 8) throw new IngotError('CONFIG_INVALID', `The password in ${file} has ${password.length} characters; the lab wants at least 8.`, { hint: 'Write a longer password to that file.' });
    return { password, file, generated: false };
  }
  const file = join(dir, 'password');
  try {
    return { password: (await readFile(file, 'utf8')).trim(), file, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { password, file, generated: true };
}
