// The QEMU Machine Protocol over the VM's unix socket: capabilities negotiation, commands
// matched by id, and events (SHUTDOWN tells a guest poweroff from a host quit).
import { JsonLines, type JsonObject } from './json-lines.js';

export interface QmpEvent {
  event: string;
  data: JsonObject;
}

export class Qmp {
  readonly #conn: JsonLines;
  #nextId = 1;

  private constructor(conn: JsonLines) {
    this.#conn = conn;
  }

  /** Connects and leaves capabilities-negotiation mode (qmp-spec: greeting, then qmp_capabilities). */
  static async connect(path: string, timeoutMs: number): Promise<Qmp> {
    const conn = await JsonLines.open(path, timeoutMs);
    try {
      const greeting = conn.next((m) => 'QMP' in m, timeoutMs, 'QMP greeting');
      await greeting;
      const qmp = new Qmp(conn);
      await qmp.execute('qmp_capabilities', undefined, timeoutMs);
      return qmp;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  get closed(): Promise<void> {
    return this.#conn.closed;
  }

  async execute(command: string, args?: JsonObject, timeoutMs = 10_000): Promise<unknown> {
    const id = `ingot-${this.#nextId++}`;
    const answer = this.#conn.next((m) => m.id === id, timeoutMs, `QMP ${command}`);
    this.#conn.send({ execute: command, id, ...(args ? { arguments: args } : {}) });
    const message = await answer;
    if ('error' in message) {
      const error = message.error as { class?: string; desc?: string };
      throw new Error(`QMP ${command} failed: ${error.class ?? 'Error'}: ${error.desc ?? JSON.stringify(error)}`);
    }
    return message.return;
  }

  onEvent(listener: (event: QmpEvent) => void): void {
    this.#conn.listen((m) => {
      if (typeof m.event === 'string') listener({ event: m.event, data: (m.data ?? {}) as JsonObject });
    });
  }

  close(): void {
    this.#conn.close();
  }
}
