// Reads a secret from VAR or VAR_FILE, registering it with the Redactor before anyone can print it.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';

export interface SecretSource {
  /** The variable name, e.g. INGOT_XAPI_PASSWORD; its _FILE twin is read too. */
  name: string;
  env: NodeJS.ProcessEnv;
  /** A file named in the config file (already resolved against it), used when the env has neither. */
  fileFromConfig: string | undefined;
  cwd: string;
  redactor: Redactor;
}

export async function readSecret(src: SecretSource): Promise<{ value: string | undefined; source: 'env' | 'file' | 'default' }> {
  const direct = nonEmpty(src.env[src.name]);
  const fileVar = `${src.name}_FILE`;
  const fromEnvFile = nonEmpty(src.env[fileVar]);
  if (direct !== undefined && fromEnvFile !== undefined) {
    throw new IngotError('CONFIG_INVALID', `both ${src.name} and ${fileVar} are set`, {
      hint: `Set only one of them; ${fileVar} (a file readable only by you) keeps the secret out of the environment.`,
    });
  }
  if (direct !== undefined) {
    src.redactor.add(direct);
    return { value: direct, source: 'env' };
  }
  const file = fromEnvFile !== undefined ? resolve(src.cwd, fromEnvFile) : src.fileFromConfig;
  if (file === undefined) return { value: undefined, source: 'default' };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IngotError('SECRET_UNREADABLE', `cannot read the secret file for ${src.name}: ${file}`, {
      hint: `Check that ${file} exists and is readable by this user, or set ${src.name} in the environment.`,
      cause: error,
    });
  }
  // One trailing newline is what `echo secret > file` adds; it is never part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    throw new IngotError('SECRET_UNREADABLE', `the secret file for ${src.name} is empty: ${file}`, {
      hint: `Write the secret into ${file} (one line), or set ${src.name}.`,
    });
  }
  src.redactor.add(value);
  return { value, source: fromEnvFile !== undefined ? 'env' : 'file' };
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
