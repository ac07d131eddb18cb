// A temporary recipe directory with the files recipes refer to (an image, a script, an upload,
// a cloud-config), so semantic rules about existing files have something real to find.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureDir {
  dir: string;
  write(name: string, text: string): string;
  remove(): void;
}

export function makeFixtureDir(): FixtureDir {
  const dir = mkdtempSync(join(tmpdir(), 'ingot-recipe-'));
  writeFileSync(join(dir, 'disk.qcow2'), 'not really an image; only its existence is checked');
  writeFileSync(join(dir, 'setup.sh'), '#!/bin/sh\necho hello\n');
  writeFileSync(join(dir, 'user-data.yaml'), '#cloud-config\npackage_update: true\n');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'motd'), 'hello\n');
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
