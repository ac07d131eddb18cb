// Rules the schema cannot express: "exactly one of", fields that depend on each other, files
// that must exist, ranges of sizes. They read the raw data defensively, so they run even when
// the schema found errors elsewhere and a user sees every problem at once.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RecipeDocument } from './document.js';
import { describeFound, formatPath, type Finding, type PathSegment } from './findings.js';
import { FORMATS } from './formats.js';
import { formatSize, parseDuration, parseSize } from './units.js';

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Image metadata ingot sets itself on push (reference/rackspace.md §4). */
export const RESERVED_METADATA = ['vm_mode', 'img_config_drive', 'ssh_user'] as const;
const MIN_SEGMENT = 1024 ** 2; // Rackspace: segments ≥ 1 MiB except the last (rackspace.md, SLO limits)
const MAX_SEGMENT = 5 * 1024 ** 3; // a single Cloud Files object ≤ 5 GiB (rackspace.md)
const MAX_DISK = 2040 * 1024 ** 3; // the VHD format's limit for a dynamic disk (reference/vhd.md)
const MIN_DISK = 1024 ** 3;
const MIN_MEMORY = 256 * 1024 ** 2;
const MAX_TIMEOUT = 24 * 3600;

export function semanticFindings(doc: RecipeDocument, data: unknown, dir: string): Finding[] {
  const out: Finding[] = [];
  const add = (path: PathSegment[], placement: 'value' | 'key' | 'missing', f: Omit<Finding, 'file' | 'line' | 'col' | 'path'>): void => {
    out.push({ file: doc.file, ...doc.locate(path, placement), path: formatPath(path), ...f });
  };
  const exactlyOne = (path: PathSegment[], value: Raw, keys: readonly string[], what: string): string | undefined => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length === 1) return present[0];
    if (present.length === 0) {
      add(path, 'value', { message: `${what} needs exactly one of ${keys.join(', ')}`, expected: `one of ${keys.join(', ')}`, found: 'none of them', hint: `Add one of: ${keys.join(', ')}.` });
    } else {
      add([...path, present[1]!], 'key', { message: `${what} has more than one of ${keys.join(', ')}`, expected: 'exactly one', found: present.join(' and '), hint: `Keep one of ${present.join(', ')}; split the rest into separate ${what === 'step' ? 'steps' : 'recipes'}.` });
    }
    return undefined;
  };
  const mustExist = (path: PathSegment[], value: unknown, kind: 'file' | 'file or directory'): void => {
    if (typeof value !== 'string' || value === '') return;
    const full = resolve(dir, value);
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(full);
    } catch {
      // Missing or unreadable: both are reported as "not found" with the resolved path below.
      stat = undefined;
    }
    if (stat === undefined || (kind === 'file' && !stat.isFile())) {
      add(path, 'value', {
        message: stat === undefined ? `${kind} not found: ${full}` : `not a file: ${full}`,
        expected: `an existing ${kind}`,
        found: JSON.stringify(value),
        hint: 'Relative paths resolve against the recipe\'s directory.',
      });
    }
  };
  const sizeRange = (path: PathSegment[], value: unknown, min: number, max: number | undefined, why: string): void => {
    const bytes = typeof value === 'string' ? parseSize(value) : undefined;
    if (bytes === undefined) return; // a malformed size is the schema's finding
    if (bytes < min || (max !== undefined && bytes > max)) {
      const range = max === undefined ? `at least ${formatSize(min)}` : `between ${formatSize(min)} and ${formatSize(max)}`;
      add(path, 'value', { message: 'size out of range', expected: range, found: describeFound(value), hint: why });
    }
  };

  if (!isMap(data)) return out; // the schema reports a recipe that is not a mapping

  // source
  const source = data.source;
  if (isMap(source)) {
    const kind = exactlyOne(['source'], source, ['image', 'template', 'vdi'], 'source');
    const image = source.image;
    if (kind === 'image' && isMap(image)) {
      const from = exactlyOne(['source', 'image'], image, ['path', 'url'], 'source.image');
      if (from === 'path') mustExist(['source', 'image', 'path'], image.path, 'file');
      if (from === 'url') {
        const sums = ['sha256', 'sha512'].filter((k) => image[k] !== undefined);
        if (sums.length === 0) add(['source', 'image'], 'value', { message: 'a url needs a checksum', expected: 'sha256 or sha512', found: 'neither', hint: 'Pin the download: copy the value from the vendor\'s SHA256SUMS or SHA512SUMS for this exact dated file.' });
        if (sums.length === 2) add(['source', 'image', 'sha512'], 'key', { message: 'give one checksum, not two', expected: 'sha256 or sha512', found: 'both', hint: 'Keep the stronger one, sha512.' });
      }
    }
  }

  // vm
  const vm = data.vm;
  if (isMap(vm)) {
    sizeRange(['vm', 'memory'], vm.memory, MIN_MEMORY, undefined, 'A Linux guest with cloud-init needs at least 256 MiB.');
    sizeRange(['vm', 'disk'], vm.disk, MIN_DISK, MAX_DISK, 'A dynamic VHD holds at most 2040 GiB (reference/vhd.md); below 1 GiB no cloud image fits.');
    if (typeof vm.boot_order === 'string' && new Set(vm.boot_order).size !== vm.boot_order.length) {
      add(['vm', 'boot_order'], 'value', { message: 'a boot device appears twice', expected: 'each of c, d, n at most once', found: describeFound(vm.boot_order), hint: 'Name each device once, e.g. "cd": the disk, then the CD.' });
    }
    if (Array.isArray(vm.tags)) {
      const seen = new Set<unknown>();
      vm.tags.forEach((tag, i) => {
        if (seen.has(tag)) add(['vm', 'tags', i], 'value', { message: `duplicate tag ${JSON.stringify(tag)}`, expected: 'each tag once', found: describeFound(tag), hint: 'Remove the repeated tag; XAPI keeps tags as a set.' });
        seen.add(tag);
      });
    }
  }

  // cloud_init
  if (isMap(data.cloud_init)) {
    if (exactlyOne(['cloud_init'], data.cloud_init, ['user_data', 'file'], 'cloud_init') === 'file') mustExist(['cloud_init', 'file'], data.cloud_init.file, 'file');
  }

  // provision
  if (Array.isArray(data.provision)) {
    data.provision.forEach((step, i) => {
      if (!isMap(step)) return;
      const path: PathSegment[] = ['provision', i];
      const kind = exactlyOne(path, step, ['shell', 'script', 'upload', 'reboot'], 'step');
      if (kind === 'shell' && typeof step.shell === 'string' && step.shell.trim() === '') {
        add([...path, 'shell'], 'value', { message: 'empty shell step', expected: 'at least one command', found: describeFound(step.shell), hint: 'Write the commands, or remove the step.' });
      }
      if (kind === 'script') mustExist([...path, 'script'], step.script, 'file');
      if (kind === 'upload' && isMap(step.upload)) mustExist([...path, 'upload', 'src'], step.upload.src, 'file or directory');
      const seconds = typeof step.timeout === 'string' ? parseDuration(step.timeout) : undefined;
      if (seconds !== undefined && (seconds < 1 || seconds > MAX_TIMEOUT)) {
        add([...path, 'timeout'], 'value', { message: 'timeout out of range', expected: 'between 1s and 24h', found: describeFound(step.timeout), hint: 'Split longer work into several steps.' });
      }
      if (isMap(step.env)) {
        for (const name of Object.keys(step.env)) {
          if (!FORMATS.identifier.pattern.test(name)) add([...path, 'env', name], 'key', { message: 'invalid environment variable name', expected: FORMATS.identifier.expected, found: JSON.stringify(name), hint: 'Rename it so the shell can read it, e.g. with a letter or _ first.' });
        }
      }
    });
  }

  // timeouts: the build's waits
  if (isMap(data.timeouts)) {
    for (const [key, value] of Object.entries(data.timeouts)) {
      const seconds = typeof value === 'string' ? parseDuration(value) : undefined;
      if (seconds !== undefined && (seconds < 1 || seconds > MAX_TIMEOUT)) {
        add(['timeouts', key], 'value', { message: 'timeout out of range', expected: 'between 1s and 24h', found: describeFound(value), hint: 'A wait longer than a day means the guest is not coming; look at its console instead.' });
      }
    }
  }

  // readiness and push
  const readiness = isMap(data.readiness) ? data.readiness : {};
  const push = isMap(data.push) ? data.push : undefined;
  const target = readiness.target ?? 'none';
  if (push !== undefined && target !== 'rackspace') {
    add(readiness.target === undefined ? ['push'] : ['readiness', 'target'], readiness.target === undefined ? 'key' : 'value', {
      message: 'push.rackspace needs an image prepared for Rackspace',
      expected: 'readiness.target: rackspace',
      found: describeFound(readiness.target ?? 'none (the default)'),
      hint: 'Set readiness.target: rackspace and readiness.ssh_user, or remove push.',
    });
  }
  if ((target === 'rackspace' || push !== undefined) && readiness.ssh_user === undefined) {
    add(['readiness', 'ssh_user'], 'missing', {
      message: 'required when the image is for Rackspace',
      expected: 'the image\'s login user, e.g. debian or ubuntu',
      found: 'nothing',
      hint: 'Rackspace images carry it as the ssh_user metadata; add ssh_user: under readiness.',
    });
  }
  const rackspace = push && isMap(push.rackspace) ? push.rackspace : undefined;
  if (rackspace) {
    sizeRange(['push', 'rackspace', 'segment_size'], rackspace.segment_size, MIN_SEGMENT, MAX_SEGMENT, 'Cloud Files segments must be at least 1 MiB and a single object at most 5 GiB (reference/rackspace.md).');
    if (isMap(rackspace.metadata)) {
      for (const key of Object.keys(rackspace.metadata)) {
        if ((RESERVED_METADATA as readonly string[]).includes(key)) {
          add(['push', 'rackspace', 'metadata', key], 'key', { message: `ingot sets ${key} itself`, expected: `a key other than ${RESERVED_METADATA.join(', ')}`, found: JSON.stringify(key), hint: key === 'ssh_user' ? 'Set readiness.ssh_user instead.' : 'Remove it: Rackspace needs a fixed value (reference/rackspace.md §4).' });
        }
      }
    }
  }
  return out;
}
