// One progress event as a single line of text: a bar when the total is known, else the amount so far.
import { formatBytes } from '../format.js';
import type { IngotEvent } from './events.js';

type Progress = Extract<IngotEvent, { event: 'progress' }>;

export function progressText(event: Progress): string {
  const rate = event.rate === undefined ? '' : ` ${(event.rate / 1e6).toFixed(1)} MB/s`;
  if (event.total === undefined || event.total === 0) {
    return `${event.stage}: ${event.unit === 'bytes' ? formatBytes(event.done) : event.done}${rate}`;
  }
  const fraction = Math.min(1, event.done / event.total);
  const width = 30;
  const filled = Math.round(fraction * width);
  const amount = event.unit === 'bytes' ? ` ${formatBytes(event.done)}/${formatBytes(event.total)}` : '';
  return `${event.stage} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(fraction * 100)}%${amount}${rate}`;
}

/** True once the event reports the whole of a known total. */
export function progressComplete(event: Progress): boolean {
  return event.total !== undefined && event.total > 0 && event.done >= event.total;
}
