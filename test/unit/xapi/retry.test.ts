import { describe, expect, it } from 'vitest';
import { withRetry } from '../../../src/xapi/retry.js';

const xapiError = (code: string) => Object.assign(new Error(code), { code, params: ['OpaqueRef:1'] });

describe('XAPI retries', () => {
  it('retries VDI_IN_USE and OTHER_OPERATION_IN_PROGRESS until the call succeeds', async () => {
    const codes = ['VDI_IN_USE', 'OTHER_OPERATION_IN_PROGRESS'];
    let calls = 0;
    const value = await withRetry(async () => {
      calls += 1;
      if (calls <= codes.length) throw xapiError(codes[calls - 1]!);
      return 'done';
    }, { firstDelayMs: 1 });
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the bound and throws the last error', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls += 1;
      throw xapiError('VDI_IN_USE');
    }, { tries: 4, firstDelayMs: 1 })).rejects.toMatchObject({ code: 'VDI_IN_USE' });
    expect(calls).toBe(4);
  });

  it('never retries other codes or non-XAPI errors', async () => {
    for (const error of [xapiError('VM_BAD_POWER_STATE'), xapiError('HANDLE_INVALID'), new Error('socket hang up')]) {
      let calls = 0;
      await expect(withRetry(async () => {
        calls += 1;
        throw error;
      }, { firstDelayMs: 1 })).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });
});
