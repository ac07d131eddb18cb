// Import failure messages → sentences that say what to fix (rackspace.md §3.5; traps 6, 8).
import { describe, expect, it } from 'vitest';
import { explainTaskFailure, isEmptyMessage } from '../../../src/rackspace/task-errors.js';
import { patchOps, pointer } from '../../../src/rackspace/metadata.js';

describe('import failure messages', () => {
  it.each([
    [396, /not a valid VHD.*ingot convert/, true],
    [413, /virtual size is too large.*160 GB/, false],
    [609, /VHD file is too large.*160 GB/, false],
    [523, /Only fixed or dynamic VHDs/, false],
    [614, /UUID is all zeros/, false],
    [721, /parent disk/, false],
    [111, /could not validate/, false],
  ] as const)('explains code %i, retrying only 396', (code, sentence, retryable) => {
    const failure = explainTaskFailure(`Image cannot be imported. Error code: '${code}'`);
    expect(failure.code).toBe(code);
    expect(failure.sentence).toMatch(sentence);
    expect(failure.retryable).toBe(retryable);
  });

  it('explains the messages without a code', () => {
    expect(explainTaskFailure('Unsupported element in image_properties, please consult the documentation.').sentence).toMatch(/only the image name may be given at import/);
    expect(explainTaskFailure('Error: Image not found for import. Possible invalid location').sentence).toMatch(/same region.*--region/);
    expect(explainTaskFailure('Error: Swift could not find object disk.vhd.').sentence).toMatch(/do not delete the object while the import runs/);
    expect(explainTaskFailure('Image cannot be imported. Error code: \'999\'').sentence).toMatch(/code 999.*support/);
  });

  it('treats null, "" and "None" as no message', () => {
    expect([null, undefined, '', 'None', ' None '].map(isEmptyMessage)).toEqual([true, true, true, true, true]);
    expect(isEmptyMessage('Error')).toBe(false);
  });
});

describe('Images API PATCH', () => {
  it('adds missing keys, replaces present ones, skips equal ones (an add of a present key is a 409)', () => {
    const image = { id: 'x', auto_disk_config: 'False', vm_mode: 'hvm' };
    expect(patchOps(image, { vm_mode: 'hvm', auto_disk_config: 'True', ssh_user: 'debian' })).toEqual([
      { op: 'replace', path: '/auto_disk_config', value: 'True' },
      { op: 'add', path: '/ssh_user', value: 'debian' },
    ]);
  });

  it('escapes JSON-pointer tokens', () => {
    expect(pointer('a/b~c')).toBe('/a~1b~0c');
  });
});
