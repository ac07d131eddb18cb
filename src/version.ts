// ingot's own version, read from package.json (two levels up from both src/ and dist/).
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function ingotVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
