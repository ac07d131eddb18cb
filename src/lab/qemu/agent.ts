// One probe of the QEMU guest agent over its virtio-serial socket. The host side of that socket
// accepts connections even when nothing runs in the guest, so every probe has its own deadline,
// and guest-sync with a fresh id discards answers left over from an abandoned earlier probe
// (QEMU docs, qemu-ga-ref "guest-sync").
import { randomInt } from 'node:crypto';
import { JsonLines } from './json-lines.js';

/** Resolves true when the agent answered guest-sync and guest-ping within `timeoutMs`, else false. */
export async function pingAgent(socketPath: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let conn: JsonLines | undefined;
  try {
    conn = await JsonLines.open(socketPath, timeoutMs);
    const id = randomInt(1, 2 ** 31);
    const synced = conn.next((m) => m.return === id, Math.max(1, deadline - Date.now()), 'guest-sync');
    conn.send({ execute: 'guest-sync', arguments: { id } });
    await synced;
    const pinged = conn.next((m) => 'return' in m || 'error' in m, Math.max(1, deadline - Date.now()), 'guest-ping');
    conn.send({ execute: 'guest-ping' });
    const answer = await pinged;
    return 'return' in answer;
  } catch {
    return false; // not up yet (no socket, no agent, or no answer in time): the caller retries
  } finally {
    conn?.close();
  }
}
