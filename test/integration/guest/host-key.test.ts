// The host key ingot generates is the one an SSH client accepts, and the only one: an in-process
// ssh2 server presents it (as sshd will after cloud-init installs it from the seed) and the client
// verifies it with ingot's hostVerifier; a server with any other key is refused.
import { timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import type { AddressInfo } from 'node:net';
import { createBuildCredentials } from '../../../src/guest/seed/access.js';
import { fingerprint, generateBuildKey, generateHostKey, hostVerifier, publicKeyBlob, type KeyPair } from '../../../src/guest/seed/keys.js';
import { Redactor } from '../../../src/redact.js';
import { mergeUserData, renderCloudConfig } from '../../../src/guest/seed/user-data.js';
import { silent } from '../../../src/cli/events.js';

const servers: ssh2.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** An SSH server on 127.0.0.1:0 with `hostKey` that admits only `user` holding `authorized`. */
async function serve(hostKey: KeyPair, authorized: KeyPair): Promise<number> {
  const allowed = ssh2.utils.parseKey(authorized.publicKey);
  if (allowed instanceof Error || Array.isArray(allowed)) throw new Error('test key unreadable');
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    client.on('authentication', (ctx) => {
      const key = ctx.method === 'publickey' ? ctx.key : undefined;
      const ok = ctx.method === 'publickey' && ctx.username === 'ingot-build' && key !== undefined && key.algo === allowed.type &&
        key.data.length === allowed.getPublicSSH().length && timingSafeEqual(key.data, allowed.getPublicSSH()) &&
        (ctx.signature === undefined || (ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true));
      if (ok) ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('ready', () => client.end());
    client.on('error', () => { /* the refused handshake ends the connection; nothing to report */ });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

function connect(port: number, build: KeyPair, expectedHost: KeyPair): Promise<'ready' | Error> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    const timer = setTimeout(() => { client.end(); resolve(new Error('timeout')); }, 10_000);
    client.on('ready', () => { clearTimeout(timer); client.end(); resolve('ready'); });
    client.on('error', (err) => { clearTimeout(timer); resolve(err); });
    client.connect({ host: '127.0.0.1', port, username: 'ingot-build', privateKey: build.privateKey, hostVerifier: hostVerifier(expectedHost.publicKey), readyTimeout: 10_000 });
  });
}

describe('the generated guest host key', () => {
  const redactor = new Redactor();
  const build = generateBuildKey(redactor, 'b-1');
  const host = generateHostKey(redactor, 'b-1');

  it('is accepted by ingot\'s hostVerifier when the server presents it, and the build key logs in', async () => {
    const port = await serve(host, build);
    expect(await connect(port, build, host)).toBe('ready');
  });

  it('is the only key accepted: a server presenting another host key is refused before login', async () => {
    const impostor = generateHostKey(new Redactor(), 'other');
    const port = await serve(impostor, build);
    const result = await connect(port, build, host);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/verification failed/i);
  });

  it('is ed25519 in OpenSSH format, as cloud-init writes it to /etc/ssh/ssh_host_ed25519_key', () => {
    expect(host.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(host.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ ingot-host@b-1$/);
    expect(publicKeyBlob(host.publicKey).subarray(4, 15).toString()).toBe('ssh-ed25519');
    expect(fingerprint(host.publicKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('never shows the private keys once generated: the Redactor masks them whole and line by line', () => {
    for (const key of [build.privateKey, host.privateKey]) {
      expect(redactor.text(`key: ${key}`)).not.toContain(key.split('\n')[1]);
      for (const line of key.split('\n').slice(1, -2)) expect(redactor.text(`guest said ${line}`)).not.toContain(line);
    }
    expect(redactor.text(host.publicKey)).toBe(host.publicKey); // the public half stays readable
  });

  it('comes with the build key and access in createBuildCredentials, whose verifier accepts only that host key', async () => {
    const creds = createBuildCredentials(new Redactor(), 'b-2');
    expect(creds.access).toEqual({ user: 'ingot-build', buildPublicKey: creds.buildKey.publicKey, hostKey: creds.hostKey });
    expect(creds.verifyHost(publicKeyBlob(creds.hostKey.publicKey))).toBe(true);
    expect(creds.verifyHost(publicKeyBlob(host.publicKey))).toBe(false);
    expect(await connect(await serve(creds.hostKey, creds.buildKey), creds.buildKey, creds.hostKey)).toBe('ready');
  });

  it('stays masked inside the rendered user-data (indented YAML block), should anyone print it', () => {
    const doc = renderCloudConfig(mergeUserData(undefined, { user: 'ingot-build', buildPublicKey: build.publicKey, hostKey: host }, silent));
    const shown = redactor.text(doc);
    for (const line of host.privateKey.split('\n').slice(1, -2)) expect(shown).not.toContain(line);
    expect(shown).toContain(host.publicKey);
  });

  it('refuses a mangled public key line with SEED_INVALID', () => {
    expect(() => publicKeyBlob('ssh-rsa ' + host.publicKey.split(' ')[1])).toThrow(expect.objectContaining({ code: 'SEED_INVALID' }));
  });
});
