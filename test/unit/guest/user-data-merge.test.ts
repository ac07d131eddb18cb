// How the recipe's cloud-init user-data and ingot's build access combine: the recipe keeps its
// own keys, lists and users; where it would lock ingot out, ingot wins and warns.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { IngotEvent } from '../../../src/cli/events.js';
import { mergeUserData, renderCloudConfig, type BuildAccess } from '../../../src/guest/seed/user-data.js';

const access: BuildAccess = {
  user: 'ingot-build',
  buildPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOh0aW5nb3QtYnVpbGQta2V5LWZvci10ZXN0cy0xMjM0 ingot-build@b1',
  hostKey: { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qta2V5 ingot-host@b1' },
};

function merge(recipe: Parameters<typeof mergeUserData>[0]): { config: Record<string, unknown>; warnings: string[] } {
  const events: IngotEvent[] = [];
  const config = mergeUserData(recipe, access, (e) => events.push(e));
  const warnings = events.flatMap((e) => (e.event === 'log' && e.level === 'warn' ? [e.message] : []));
  return { config, warnings };
}

const buildUser = expect.objectContaining({ name: 'ingot-build', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true, ssh_authorized_keys: [access.buildPublicKey] });

describe('user-data merge', () => {
  it('without recipe user-data: the default user, ingot\'s build user, its host key, no password logins', () => {
    const { config, warnings } = merge(undefined);
    expect(config).toEqual({
      users: ['default', buildUser],
      ssh_pwauth: false,
      ssh_keys: { ed25519_private: access.hostKey.privateKey, ed25519_public: access.hostKey.publicKey },
      ssh_deletekeys: true,
    });
    expect(warnings).toEqual([]);
  });

  it('keeps the recipe\'s users, keys, runcmd, write_files, packages and other settings, in order', () => {
    const recipe = {
      users: ['default', { name: 'alice', groups: 'sudo' }],
      ssh_authorized_keys: ['ssh-ed25519 AAAA recipe@key'],
      runcmd: [['echo', 'one'], 'echo two'],
      write_files: [{ path: '/etc/motd', content: 'hi\n' }],
      packages: ['curl', 'jq'],
      disable_root: true,
      timezone: 'UTC',
    };
    const { config, warnings } = merge(recipe);
    expect(config).toMatchObject({ ...recipe, users: ['default', { name: 'alice', groups: 'sudo' }, buildUser] });
    expect(warnings).toEqual([]); // disable_root concerns root only; ingot logs in as its own user
  });

  it('does not bring back the default user when the recipe left it out', () => {
    expect(merge({ users: [{ name: 'alice' }] }).config.users).toEqual([{ name: 'alice' }, buildUser]);
  });

  it('reads users given as a comma-separated string, as cloud-init does', () => {
    expect(merge({ users: 'default, bob' }).config.users).toEqual(['default', 'bob', buildUser]);
  });

  it('does not change the caller\'s object', () => {
    const recipe = { users: ['default'], runcmd: ['true'] };
    merge(recipe);
    expect(recipe).toEqual({ users: ['default'], runcmd: ['true'] });
  });

  it.each([
    ['a user with ingot\'s build user name', { users: ['default', { name: 'ingot-build', shell: '/bin/false' }] }, /defines a user named "ingot-build"/],
    ['ssh_deletekeys: false (old host keys would stay)', { ssh_deletekeys: false }, /ssh_deletekeys: false is replaced by true/],
    ['its own ssh_keys (host key not verifiable)', { ssh_keys: { rsa_private: 'x', rsa_public: 'y' } }, /ssh_keys are replaced/],
    ['ssh_pwauth: true during the build', { ssh_pwauth: true }, /ssh_pwauth: true is replaced by false/],
    ['a cloud_init_modules list without users_groups and ssh', { cloud_init_modules: ['seed_random', 'growpart'] }, /leaves out users_groups, ssh/],
  ])('resolves %s in ingot\'s favour, with a warning', (_what, recipe, warning) => {
    const { config, warnings } = merge(recipe);
    expect(warnings).toEqual([expect.stringMatching(warning)]);
    expect(config).toMatchObject({ ssh_pwauth: false, ssh_deletekeys: true, ssh_keys: { ed25519_public: access.hostKey.publicKey } });
    expect((config.users as unknown[]).filter((u) => typeof u === 'object' && (u as { name: string }).name === 'ingot-build')).toEqual([buildUser]);
  });

  it('removes power_state, which would shut the build VM down under ingot, with a warning', () => {
    const { config, warnings } = merge({ power_state: { mode: 'poweroff', delay: 'now' }, runcmd: ['true'] });
    expect(config.power_state).toBeUndefined();
    expect(config.runcmd).toEqual(['true']);
    expect(warnings).toEqual([expect.stringMatching(/power_state is removed/)]);
  });

  it('warns, without changing them, about write_files that rewrite sshd or sudo configuration', () => {
    const files = [{ path: '/etc/ssh/sshd_config.d/10-hardening.conf', content: 'AllowUsers admin\n' }, { path: '/etc/motd', content: 'hi' }];
    const { config, warnings } = merge({ write_files: files });
    expect(config.write_files).toEqual(files);
    expect(warnings).toEqual([expect.stringMatching(/write_files writes \/etc\/ssh\/sshd_config\.d\/10-hardening\.conf/)]);
  });

  it('appends the missing access modules to a recipe\'s module list, keeping its own', () => {
    expect(merge({ cloud_init_modules: ['seed_random', ['users-groups', 'always']] }).config.cloud_init_modules).toEqual(['seed_random', ['users-groups', 'always'], 'ssh']);
  });

  it('reads a #cloud-config document as cloud-init does (YAML 1.1: yes is true)', () => {
    const { config } = merge('#cloud-config\npackage_upgrade: yes\nruncmd: [date]\n');
    expect(config).toMatchObject({ package_upgrade: true, runcmd: ['date'] });
  });

  it.each([
    ['a shell script', '#!/bin/sh\necho hi\n', /starts with "#!\/bin\/sh", not "#cloud-config"/],
    ['broken YAML', '#cloud-config\nruncmd: [unclosed\n', /not valid YAML/],
    ['a YAML list', '#cloud-config\n- a\n- b\n', /is a YAML list; expected a map/],
    ['users that is a number', { users: 5 }, /"users" is a number/],
  ])('refuses %s with USER_DATA_INVALID', (_what, recipe, message) => {
    expect(() => merge(recipe as never)).toThrow(expect.objectContaining({ code: 'USER_DATA_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('the rendered #cloud-config document', () => {
  it('starts with #cloud-config and reads back (YAML 1.1) to the merged map', () => {
    const { config } = merge({ write_files: [{ path: '/etc/x', content: 'yes', permissions: '0644' }], runcmd: ['echo on'] });
    const text = renderCloudConfig(config);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(YAML.parse(text, { version: '1.1' })).toEqual(config);
  });

  it('quotes strings PyYAML would read as another type', () => {
    const text = renderCloudConfig({ a: 'yes', b: 'on', c: '0644', d: '52:54:00:12:34:56' });
    expect(text).toContain('a: "yes"');
    expect(text).toContain('c: "0644"');
    expect(text).toContain('d: "52:54:00:12:34:56"');
  });
});
