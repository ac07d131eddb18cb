// Output is reported one line at a time, whatever the packet boundaries.
import { describe, expect, it } from 'vitest';
import { LastLines, LineSplitter } from '../../../src/guest/ssh/lines.js';
import { classify, isRetryable } from '../../../src/guest/ssh/attempt.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks, including a multi-byte character cut in half, and drops CR', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo wörld\r\nsecond\nunterminated', 'utf8');
    // Byte 2 is inside "é"; 14 is between "\r" and "\n".
    const cuts = [0, 2, 3, 9, 13, 14, bytes.length];
    for (let i = 1; i < cuts.length; i++) splitter.push(bytes.subarray(cuts[i - 1], cuts[i]));
    splitter.flush();
    expect(lines).toEqual(['héllo wörld', 'second', 'unterminated']);
  });
});

describe('LastLines', () => {
  it('keeps only the last N lines', () => {
    const last = new LastLines(2);
    for (const l of ['a', 'b', 'c']) last.add(l);
    expect(last.lines).toEqual(['b', 'c']);
  });
});

describe('classify', () => {
  it('sorts socket and ssh2 errors into kinds; auth and host key failures are final', () => {
    expect(classify(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'tcp')).toBe('refused');
    expect(classify(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'banner')).toBe('reset');
    expect(classify(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), 'auth')).toBe('auth');
    expect(classify(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), 'banner')).toBe('timeout-banner');
    expect(isRetryable('auth')).toBe(false);
    expect(isRetryable('hostkey')).toBe(false);
    expect(isRetryable('timeout-banner')).toBe(true);
  });
});
