// The guest-agent probe against a fake agent on a unix socket: it must answer only when the
// agent really replies to *this* probe, and never wait longer than its deadline.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pingAgent } from '../../../src/lab/qemu/agent.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A unix-socket server whose behaviour per received JSON line is `onLine`. */
async function fakeAgent(onLine: (msg: Record<string, unknown>, socket: Socket) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ingot-qga-'));
  const path = join(dir, 'qga.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine(JSON.parse(line) as Record<string, unknown>, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  return path;
}

describe('guest agent probe', () => {
  it('answers true when the agent syncs with our id and pings', async () => {
    const path = await fakeAgent((msg, socket) => {
      if (msg.execute === 'guest-sync') socket.write(`${JSON.stringify({ return: (msg.arguments as { id: number }).id })}\n`);
      if (msg.execute === 'guest-ping') socket.write('{"return": {}}\n');
    });
    expect(await pingAgent(path, 2_000)).toBe(true);
  });

  it('ignores a stale answer meant for an earlier probe and a leading 0xFF sentinel', async () => {
    const path = await fakeAgent((msg, socket) => {
      if (msg.execute === 'guest-sync') {
        socket.write('{"return": 12345}\n'); // left over from an abandoned probe
        socket.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: (msg.arguments as { id: number }).id })}\n`)]));
      }
      if (msg.execute === 'guest-ping') socket.write('{"return": {}}\n');
    });
    expect(await pingAgent(path, 2_000)).toBe(true);
  });

  it('answers false within its deadline when the socket accepts but nothing replies (guest still booting)', async () => {
    const path = await fakeAgent(() => {});
    const t = Date.now();
    expect(await pingAgent(path, 300)).toBe(false);
    expect(Date.now() - t).toBeLessThan(2_000);
  });

  it('answers false when the agent only ever returns stale ids', async () => {
    const path = await fakeAgent((_msg, socket) => socket.write('{"return": 1}\n'));
    expect(await pingAgent(path, 300)).toBe(false);
  });

  it('answers false when the ping is refused with an error', async () => {
    const path = await fakeAgent((msg, socket) => {
      if (msg.execute === 'guest-sync') socket.write(`${JSON.stringify({ return: (msg.arguments as { id: number }).id })}\n`);
      if (msg.execute === 'guest-ping') socket.write('{"error": {"class": "CommandNotFound", "desc": "disabled"}}\n');
    });
    expect(await pingAgent(path, 2_000)).toBe(false);
  });

  it('answers false when there is no socket yet', async () => {
    expect(await pingAgent(join(tmpdir(), 'ingot-no-such-qga.sock'), 300)).toBe(false);
  });
});
