// The ISO writer's input checks and name rules, without any tool: what a caller gets wrong
// must fail before a byte is written, naming the path and the limit.
import { describe, expect, it } from 'vitest';
import { createIsoBuffer, isoFile, sourceDateEpoch, type IsoTree } from '../../../src/guest/iso/index.js';
import { compareIdentifiers, primaryNames } from '../../../src/guest/iso/names.js';

const build = (tree: IsoTree, volumeId = 'cidata') => createIsoBuffer(tree, { volumeId });

describe('ISO input checks', () => {
  it.each([
    ['nine directory levels', { 'a/b/c/d/e/f/g/h/x': Buffer.from('x') }, /more than 8 directory levels/],
    ['a name longer than Joliet allows', { ['x'.repeat(65)]: Buffer.from('x') }, /65 characters long; at most 64/],
    ['an empty path component', { 'a//b': Buffer.from('x') }, /empty, "\." or "\.\." name/],
    ['a ".." component', { '../etc/passwd': Buffer.from('x') }, /empty, "\." or "\.\." name/],
    ['a control character', { 'bad\nname': Buffer.from('x') }, /control character/],
    ['the same file twice', { 'a/b': Buffer.from('1'), a: { b: Buffer.from('2') } }, /"a\/b" is given twice/],
    ['a file that is also a directory', { a: Buffer.from('1'), 'a/b': Buffer.from('2') }, /both a file and a directory/],
    ['text instead of bytes', { 'user-data': '#cloud-config' as unknown as Buffer }, /is a string; expected bytes/],
  ])('rejects %s with ISO_INVALID', async (_what, tree, message) => {
    await expect(build(tree as IsoTree)).rejects.toMatchObject({ code: 'ISO_INVALID', message: expect.stringMatching(message) });
  });

  it('names a missing file on disk with INPUT_UNREADABLE', async () => {
    await expect(build({ 'user-data': isoFile('/nonexistent/ingot/user-data') })).rejects.toMatchObject({ code: 'INPUT_UNREADABLE', message: expect.stringContaining('/nonexistent/ingot/user-data') });
  });

  it.each(['', 'has space', 'a-label-longer-than-16', 'ünï'])('rejects the volume label %j', async (label) => {
    await expect(build({ x: Buffer.from('x') }, label)).rejects.toMatchObject({ code: 'ISO_INVALID' });
  });

  it('accepts an empty tree: a volume with only a root directory', async () => {
    const iso = await build({});
    expect(iso.length % 2048).toBe(0);
    expect(iso.subarray(16 * 2048 + 1, 16 * 2048 + 6).toString('latin1')).toBe('CD001');
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  it('reads whole seconds, ignores an unset value and rejects anything else', () => {
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: '1700000000' })).toBe(1_700_000_000);
    expect(sourceDateEpoch({})).toBeUndefined();
    expect(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/whole number of seconds/);
  });
});

describe('ISO 9660 level 1 names', () => {
  it('upper-cases to d-characters, keeps 8.3 and always writes the dot and version of files', () => {
    expect(primaryNames([
      { name: 'user-data', dir: false },
      { name: 'meta_data.json', dir: false },
      { name: 'openstack', dir: true },
      { name: '2012-08-10', dir: true },
    ])).toEqual(['USER_DAT.;1', 'META_DAT.JSO;1', 'OPENSTAC', '2012_08_']);
  });

  it('gives colliding names a numeric tail so each stays unique', () => {
    const names = primaryNames(Array.from({ length: 12 }, (_, i) => ({ name: `same-prefix-${i}`, dir: false })));
    expect(new Set(names).size).toBe(12);
    expect(names.slice(0, 3)).toEqual(['SAME_PRE.;1', 'SAME_PR1.;1', 'SAME_PR2.;1']);
    expect(names[11]).toBe('SAME_P11.;1');
  });

  it('orders identifiers as if padded with spaces (ECMA-119 §9.3)', () => {
    const ids = ['AB.;1', 'A_.;1', 'A.B;1', 'A.;1'].map((s) => Buffer.from(s));
    const sorted = [...ids].sort((x, y) => compareIdentifiers(x, y, 1)).map((b) => b.toString());
    expect(sorted).toEqual(['A.;1', 'A.B;1', 'AB.;1', 'A_.;1']);
  });
});
