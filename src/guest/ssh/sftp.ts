// SFTP helpers over the guest connection: write a file, create directories like `mkdir -p`,
// upload a local tree. Used by the upload, shell and script steps.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { SFTPWrapper } from 'ssh2';
import { IngotError } from '../../errors/index.js';
import type { GuestSession } from './session.js';

export function openSftp(session: GuestSession): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    const onSftp = (error: Error | undefined, sftp: SFTPWrapper): void => {
      if (error) {
        reject(new IngotError('GUEST_COMMAND_FAILED', `Could not open SFTP on ${session.target}: ${error.message}.`, {
          cause: error,
          hint: session.isOpen() ? 'ingot uploads files over SFTP; the guest sshd needs its sftp subsystem (Debian: openssh-sftp-server).' : 'The SSH connection to the guest is gone.',
        }));
      } else resolve(sftp);
    };
    try {
      session.client.sftp(onSftp);
    } catch (error) {
      // ssh2 throws instead of calling back when the connection is already gone.
      onSftp(error instanceof Error ? error : new Error(String(error)), undefined as never);
    }
  });
}

function call<T>(what: string, fn: (cb: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((error, value) => {
      if (error) reject(new IngotError('GUEST_COMMAND_FAILED', `SFTP ${what} failed: ${error.message}.`, { cause: error, hint: 'Check the destination path and that the build user may write there (or let the step use sudo).' }));
      else resolve(value as T);
    });
  });
}

export function writeRemoteFile(sftp: SFTPWrapper, path: string, data: string | Buffer, mode: number): Promise<void> {
  return call(`write ${path}`, (cb) => sftp.writeFile(path, data, { mode }, (error) => cb(error))).then(() => call(`chmod ${path}`, (cb) => sftp.chmod(path, mode, (error) => cb(error))));
}

async function exists(sftp: SFTPWrapper, path: string): Promise<boolean> {
  return new Promise((resolve) => sftp.stat(path, (error) => resolve(!error)));
}

/** `mkdir -p` over SFTP; `mode` applies to the directories it creates. */
export async function mkdirp(sftp: SFTPWrapper, dir: string, mode: number): Promise<void> {
  const parts = posix.resolve('/', dir).split('/').filter(Boolean);
  let path = '';
  for (const part of parts) {
    path += `/${part}`;
    if (!(await exists(sftp, path))) await call(`mkdir ${path}`, (cb) => sftp.mkdir(path, { mode }, (error) => cb(error)));
  }
}

export interface TreeModes {
  /** Mode for every uploaded file; default: the local file's permission bits. */
  fileMode?: number;
  dirMode: number;
  /** Stops the transfer of the current file (its streams are destroyed). */
  signal?: AbortSignal;
}

/** Uploads a local file to `remote`, or a local directory's contents into `remote` (created). Returns files sent. */
export async function uploadTree(sftp: SFTPWrapper, local: string, remote: string, modes: TreeModes): Promise<number> {
  const info = await stat(local);
  if (info.isDirectory()) {
    await mkdirp(sftp, remote, modes.dirMode);
    await call(`chmod ${remote}`, (cb) => sftp.chmod(remote, modes.dirMode, (error) => cb(error)));
    let count = 0;
    for (const entry of await readdir(local, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isFile()) {
        throw new IngotError('STEP_INVALID', `Cannot upload ${join(local, entry.name)}: it is not a regular file or a directory (symlinks, sockets and devices are not copied).`, {
          hint: 'Replace the link with the file it points to, or create the link in the guest with a shell step.',
        });
      }
      count += await uploadTree(sftp, join(local, entry.name), posix.join(remote, entry.name), modes);
    }
    return count;
  }
  const mode = modes.fileMode ?? info.mode & 0o7777;
  await pipeline(createReadStream(local), sftp.createWriteStream(remote, { mode }), { signal: modes.signal }).catch((error: unknown) => {
    throw new IngotError('GUEST_COMMAND_FAILED', `SFTP upload of ${local} to ${remote} failed: ${error instanceof Error ? error.message : String(error)}.`, {
      cause: error,
      hint: 'Check that the destination directory is writable by the build user, or upload with sudo (the default).',
    });
  });
  // The server applies the umask to the mode given at open; set it explicitly.
  await call(`chmod ${remote}`, (cb) => sftp.chmod(remote, mode, (error) => cb(error)));
  return 1;
}
