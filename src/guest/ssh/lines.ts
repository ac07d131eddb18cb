// Turns a byte stream into whole lines (a line split across packets is kept until its end
// arrives) and remembers the last few lines for StepResult and error messages.

export class LineSplitter {
  #rest = '';
  readonly #decoder = new TextDecoder('utf-8');

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.#rest + this.#decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    this.#rest = parts.pop() ?? '';
    for (const part of parts) this.onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }

  /** The unterminated last line, if any (a script that ends without a newline). */
  flush(): void {
    const text = this.#rest + this.#decoder.decode();
    this.#rest = '';
    if (text !== '') this.onLine(text);
  }
}

export class LastLines {
  readonly #lines: string[] = [];

  constructor(private readonly limit: number) {}

  add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.limit) this.#lines.shift();
  }

  get lines(): string[] {
    return [...this.#lines];
  }
}
