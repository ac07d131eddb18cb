import { describe, expect, it } from 'vitest';
import { provisioning } from '../../../src/xapi/thin.js';

const ext = { type: 'ext', features: { THIN_PROVISIONING: 1, VDI_CREATE: 1 } };
const lvm = { type: 'lvm', features: { VDI_CREATE: 1 } };

describe('thin or thick SR (xapi.md §6)', () => {
  it('calls an ext SR thin because its SM declares THIN_PROVISIONING', () => {
    expect(provisioning({ type: 'ext', sm_config: {} }, [ext, lvm])).toEqual({ thin: true, reason: 'its SM driver (ext) declares THIN_PROVISIONING' });
  });

  it('calls a default lvm SR thick and says why', () => {
    const p = provisioning({ type: 'lvm', sm_config: {} }, [ext, lvm]);
    expect(p.thin).toBe(false);
    expect(p.reason).toContain('allocates every disk in full');
  });

  it('honours sm_config.allocation=thin on LVM types', () => {
    expect(provisioning({ type: 'lvmoiscsi', sm_config: { allocation: 'thin' } }, []).thin).toBe(true);
  });

  it('falls back to the type table when no SM record is visible', () => {
    expect(provisioning({ type: 'nfs', sm_config: {} }, []).thin).toBe(true);
    expect(provisioning({ type: 'weird', sm_config: {} }, []).thin).toBe(false);
  });
});
