// A table of broken recipes: each asserts the exact dotted path and line:col of every finding,
// so a user is pointed at the right node (the key for unknown keys, the value for bad values,
// the parent mapping for missing keys) and sees all errors at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecipeText, type Finding } from '../../../src/recipe/index.js';
import { makeFixtureDir, type FixtureDir } from '../../support/recipe/fixture-dir.js';

const SHA256 = 'a'.repeat(64);
const IMAGE = 'name: t\nsource:\n  image:\n    path: disk.qcow2\n';

interface Case {
  name: string;
  yaml: string;
  /** Every finding, as "line:col path", in position order. */
  expect: string[];
  /** A pattern the first finding's hint must match, where the hint is the point. */
  hint?: RegExp;
  vars?: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'unknown top-level key, with a suggestion', yaml: `${IMAGE}provison: []\n`, expect: ['5:1 provison'], hint: /Did you mean 'provision'/ },
  { name: 'missing name: at the top mapping', yaml: 'source:\n  image:\n    path: disk.qcow2\n', expect: ['1:1 name'] },
  { name: 'missing source', yaml: 'name: t\n', expect: ['1:1 source'] },
  { name: 'name with spaces and capitals', yaml: 'name: Debian 12\nsource:\n  template: base\n', expect: ['1:7 name'] },
  { name: 'two source kinds', yaml: 'name: t\nsource:\n  template: base\n  vdi: 3f1c7a6e-0b8d-4a51-9c8e-6f2d1e0a9b7c\n', expect: ['4:3 source.vdi'] },
  { name: 'no source kind', yaml: 'name: t\nsource: {}\n', expect: ['2:9 source'] },
  { name: 'image with path and url', yaml: `${IMAGE}    url: https://example.org/d.qcow2\n    sha256: ${SHA256}\n`, expect: ['5:5 source.image.url'] },
  { name: 'url without a checksum', yaml: 'name: t\nsource:\n  image:\n    url: https://example.org/d.qcow2\n', expect: ['4:5 source.image'], hint: /SHA256SUMS/ },
  { name: 'url with two checksums', yaml: `name: t\nsource:\n  image:\n    url: https://example.org/d.qcow2\n    sha256: ${SHA256}\n    sha512: ${'b'.repeat(128)}\n`, expect: ['6:5 source.image.sha512'] },
  { name: 'short sha256', yaml: 'name: t\nsource:\n  image:\n    url: https://example.org/d.qcow2\n    sha256: abc\n', expect: ['5:13 source.image.sha256'] },
  { name: 'a sha512 written as sha256', yaml: `name: t\nsource:\n  image:\n    url: https://example.org/d.qcow2\n    sha256: ${'c'.repeat(128)}\n`, expect: ['5:13 source.image.sha256'], hint: /write it as sha512/ },
  { name: 'file:// url', yaml: `name: t\nsource:\n  image:\n    url: file:///tmp/d.qcow2\n    sha256: ${SHA256}\n`, expect: ['4:10 source.image.url'], hint: /image\.path/ },
  { name: 'image path that does not exist', yaml: 'name: t\nsource:\n  image:\n    path: nope.qcow2\n', expect: ['4:11 source.image.path'], hint: /recipe's directory/ },
  { name: 'unknown image format', yaml: `${IMAGE}    format: qcow\n`, expect: ['5:13 source.image.format'], hint: /Did you mean 'qcow2'/ },
  { name: 'vdi that is a number, not a uuid or name', yaml: 'name: t\nsource:\n  vdi: 1234\n', expect: ['3:8 source.vdi'] },
  { name: 'blank vdi', yaml: 'name: t\nsource:\n  vdi: " "\n', expect: ['3:8 source.vdi'] },
  { name: 'decimal size unit', yaml: `${IMAGE}vm:\n  memory: 2GB\n`, expect: ['6:11 vm.memory'], hint: /binary.*GiB or G/ },
  { name: 'size without a unit', yaml: `${IMAGE}vm:\n  disk: 10\n`, expect: ['6:9 vm.disk'], hint: /Add a unit/ },
  { name: 'zero vcpus', yaml: `${IMAGE}vm:\n  vcpus: 0\n`, expect: ['6:10 vm.vcpus'] },
  { name: 'vcpus as a word', yaml: `${IMAGE}vm:\n  vcpus: two\n`, expect: ['6:10 vm.vcpus'] },
  { name: 'unknown firmware', yaml: `${IMAGE}vm:\n  firmware: efi\n`, expect: ['6:13 vm.firmware'], hint: /Did you mean 'uefi'/ },
  { name: 'boot device twice', yaml: `${IMAGE}vm:\n  boot_order: cdd\n`, expect: ['6:15 vm.boot_order'] },
  { name: 'unknown boot device', yaml: `${IMAGE}vm:\n  boot_order: x\n`, expect: ['6:15 vm.boot_order'] },
  { name: 'duplicate tag', yaml: `${IMAGE}vm:\n  tags: [a, b, a]\n`, expect: ['6:16 vm.tags[2]'] },
  { name: 'a top-level key indented under source', yaml: `${IMAGE}  vm:\n    memory: 2G\n`, expect: ['5:3 source.vm'], hint: /'vm' belongs at the top level: check its indentation/ },
  { name: 'unknown vm key', yaml: `${IMAGE}vm:\n  cpus: 2\n`, expect: ['6:3 vm.cpus'], hint: /Did you mean 'vcpus'/ },
  { name: 'memory below the minimum', yaml: `${IMAGE}vm:\n  memory: 128MiB\n`, expect: ['6:11 vm.memory'] },
  { name: 'disk above the VHD limit', yaml: `${IMAGE}vm:\n  disk: 3T\n`, expect: ['6:9 vm.disk'], hint: /2040 GiB/ },
  { name: 'vm written as a list', yaml: `${IMAGE}vm: [1]\n`, expect: ['5:5 vm'] },
  { name: 'platform flag as a list', yaml: `${IMAGE}vm:\n  platform:\n    viridian: [1]\n`, expect: ['7:15 vm.platform.viridian'] },
  { name: 'provision as a mapping', yaml: `${IMAGE}provision: {shell: ls}\n`, expect: ['5:12 provision'] },
  { name: 'step with two actions', yaml: `${IMAGE}provision:\n  - shell: ls\n    reboot: true\n`, expect: ['7:5 provision[0].reboot'] },
  { name: 'step with no action', yaml: `${IMAGE}provision:\n  - timeout: 5m\n`, expect: ['6:5 provision[0]'] },
  { name: 'empty shell step', yaml: `${IMAGE}provision:\n  - shell: "  "\n`, expect: ['6:12 provision[0].shell'] },
  { name: 'script that does not exist', yaml: `${IMAGE}provision:\n  - script: nope.sh\n`, expect: ['6:13 provision[0].script'] },
  { name: 'unquoted octal mode', yaml: `${IMAGE}provision:\n  - upload:\n      src: etc/motd\n      dest: /etc/motd\n      mode: 0644\n`, expect: ['9:13 provision[0].upload.mode'], hint: /Quote the mode/ },
  { name: 'relative upload destination', yaml: `${IMAGE}provision:\n  - upload:\n      src: etc/motd\n      dest: etc/motd\n`, expect: ['8:13 provision[0].upload.dest'] },
  { name: 'upload without dest: at the upload mapping', yaml: `${IMAGE}provision:\n  - upload:\n      src: etc/motd\n`, expect: ['7:7 provision[0].upload.dest'] },
  { name: 'upload source missing', yaml: `${IMAGE}provision:\n  - upload:\n      src: nothere\n      dest: /tmp/x\n`, expect: ['7:12 provision[0].upload.src'] },
  { name: 'timeout without a unit', yaml: `${IMAGE}provision:\n  - shell: ls\n    timeout: 90\n`, expect: ['7:14 provision[0].timeout'], hint: /90s/ },
  { name: 'timeout over a day', yaml: `${IMAGE}provision:\n  - shell: ls\n    timeout: 25h\n`, expect: ['7:14 provision[0].timeout'] },
  { name: 'wait without a unit', yaml: `${IMAGE}timeouts:\n  guest_address: 90\n`, expect: ['6:18 timeouts.guest_address'], hint: /90s/ },
  { name: 'wait over a day', yaml: `${IMAGE}timeouts:\n  ssh: 25h\n`, expect: ['6:8 timeouts.ssh'] },
  { name: 'unknown wait, with a suggestion', yaml: `${IMAGE}timeouts:\n  shutdwn: 5m\n`, expect: ['6:3 timeouts.shutdwn'], hint: /shutdown/ },
  { name: 'reboot: false', yaml: `${IMAGE}provision:\n  - reboot: false\n`, expect: ['6:13 provision[0].reboot'] },
  { name: 'bad env name', yaml: `${IMAGE}provision:\n  - shell: ls\n    env:\n      1X: a\n`, expect: ['8:7 provision[0].env["1X"]'] },
  { name: 'cloud_init with user_data and file', yaml: `${IMAGE}cloud_init:\n  user_data: {a: 1}\n  file: user-data.yaml\n`, expect: ['7:3 cloud_init.file'] },
  { name: 'cloud_init file missing', yaml: `${IMAGE}cloud_init:\n  file: nope.yaml\n`, expect: ['6:9 cloud_init.file'] },
  { name: 'user_data as a string', yaml: `${IMAGE}cloud_init:\n  user_data: "#cloud-config"\n`, expect: ['6:14 cloud_init.user_data'] },
  { name: 'unknown readiness target', yaml: `${IMAGE}readiness:\n  target: aws\n`, expect: ['6:11 readiness.target'] },
  { name: 'rackspace target without ssh_user', yaml: `${IMAGE}readiness:\n  target: rackspace\n`, expect: ['6:3 readiness.ssh_user'] },
  { name: 'push without a rackspace target', yaml: `${IMAGE}readiness:\n  ssh_user: debian\npush:\n  rackspace:\n    container: c\n`, expect: ['7:1 push'], hint: /readiness.target: rackspace/ },
  { name: 'push with target none and no ssh_user', yaml: `${IMAGE}readiness:\n  target: none\npush:\n  rackspace: {}\n`, expect: ['6:3 readiness.ssh_user', '6:11 readiness.target'] },
  { name: 'segment below 1 MiB', yaml: `${IMAGE}readiness: {target: rackspace, ssh_user: debian}\npush:\n  rackspace:\n    segment_size: 512K\n`, expect: ['8:19 push.rackspace.segment_size'] },
  { name: 'reserved metadata key', yaml: `${IMAGE}readiness: {target: rackspace, ssh_user: debian}\npush:\n  rackspace:\n    metadata:\n      vm_mode: pv\n`, expect: ['9:7 push.rackspace.metadata.vm_mode'] },
  { name: 'lower-case region', yaml: `${IMAGE}readiness: {target: rackspace, ssh_user: debian}\npush:\n  rackspace:\n    region: dfw\n`, expect: ['8:13 push.rackspace.region'], hint: /DFW/ },
  { name: 'file name with a directory', yaml: `${IMAGE}output:\n  file_name: out/t.vhd\n`, expect: ['6:14 output.file_name'], hint: /output.directory/ },
  { name: 'deterministic: yes', yaml: `${IMAGE}output:\n  deterministic: yes\n`, expect: ['6:18 output.deterministic'] },
  { name: 'undefined variable: at the ${', yaml: `${IMAGE}vm:\n  memory: \${mem}\n`, expect: ['6:11 vm.memory'], hint: /--var mem=VALUE/ },
  { name: 'undefined variable inside a string', yaml: `name: t\nsource:\n  image:\n    url: https://example.org/\${version}/d.qcow2\n    sha256: ${SHA256}\n`, expect: ['4:30 source.image.url'] },
  { name: 'malformed reference', yaml: `${IMAGE}description: "size \${mem"\n`, expect: ['5:20 description'] },
  { name: 'variable name that is not an identifier', yaml: `${IMAGE}variables:\n  1x: a\n`, expect: ['6:3 variables["1x"]'] },
  { name: '--var for an undeclared variable', yaml: `${IMAGE}variables:\n  memory: 2GiB\n`, vars: { memroy: '4GiB' }, expect: ['5:1 variables'], hint: /--var memory=/ },
  { name: 'duplicate keys: every YAML error at once', yaml: 'name: t\nname: u\nsource: {}\nsource: {}\n', expect: ['2:1 ', '4:1 '] },
  { name: 'a list instead of a recipe', yaml: '- a\n- b\n', expect: ['1:1 '] },
  {
    name: 'many errors in one recipe are reported together, in file order',
    yaml: `name: T\nsource:\n  image:\n    url: https://example.org/d.qcow2\nvm:\n  memory: 2GB\n  firmwar: uefi\nprovision:\n  - shell: ""\n  - script: gone.sh\nreadiness:\n  target: rackspace\n`,
    expect: ['1:7 name', '4:5 source.image', '6:11 vm.memory', '7:3 vm.firmwar', '9:12 provision[0].shell', '10:13 provision[1].script', '12:3 readiness.ssh_user'],
  },
];

let fx: FixtureDir;
beforeAll(() => {
  fx = makeFixtureDir();
});
afterAll(() => fx.remove());

const where = (f: Finding): string => `${f.line}:${f.col} ${f.path}`;

describe('invalid recipes', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$name', ({ yaml, expect: expected, hint, vars }) => {
    const check = checkRecipeText(yaml, 'r.yaml', fx.dir, { vars: vars ?? {} });
    expect(check.ok).toBe(false);
    expect(check.findings.map(where)).toEqual(expected);
    for (const f of check.findings) {
      expect(f.file).toBe('r.yaml');
      expect(f.message).not.toMatch(/Invalid input|expected string, received|zod/i);
      // Every finding says what was expected, what was found and what to do.
      expect([f.expected, f.found, f.hint].every((text) => typeof text === 'string' && text.length > 0), JSON.stringify(f)).toBe(true);
    }
    if (hint) expect(check.findings[0]?.hint).toMatch(hint);
  });
});

describe('valid recipes', () => {
  it('accepts the smallest recipe and fills the defaults', () => {
    const check = checkRecipeText(IMAGE, 'r.yaml', fx.dir);
    expect(check.findings).toEqual([]);
    expect(check.recipe?.vm).toMatchObject({ memoryBytes: 2 * 1024 ** 3, vcpus: 2, firmware: 'bios', bootOrder: 'cd', sr: 'default', template: 'Other install media' });
    expect(check.recipe?.output.fileName).toBe('t.vhd');
    expect(check.recipe?.source).toMatchObject({ kind: 'image', path: `${fx.dir}/disk.qcow2` });
  });
});
