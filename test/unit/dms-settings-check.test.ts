import { describe, expect, it } from 'vitest';
import { DmsSettingsCheck } from '../../src/ingest/dms-settings-check.js';

const cdc = (n: number) => Array.from({ length: n }, () => ({ kind: 'cdc' as const, hasOp: true }));

describe('the DMS settings check', () => {
  it('warns once that deletes may be dropped after enough CDC files without a D', () => {
    const check = new DmsSettingsCheck(5);
    expect(check.observe({ table: 'orders', files: cdc(3), deletes: 0 })).toEqual([]);
    const warnings = check.observe({ table: 'orders', files: cdc(2), deletes: 0 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ table: 'orders', setting: 'CdcInsertsAndUpdates' });
    expect(warnings[0]?.message).toMatch(/5 CDC files of orders and not one delete/);
    expect(warnings[0]?.message).toMatch(/CdcInsertsAndUpdates .*CdcInsertsOnly/s);
    expect(check.observe({ table: 'orders', files: cdc(10), deletes: 0 })).toEqual([]);
  });

  it('never warns about deletes for a table that has had one', () => {
    const check = new DmsSettingsCheck(2);
    expect(check.observe({ table: 'orders', files: cdc(1), deletes: 1 })).toEqual([]);
    expect(check.observe({ table: 'orders', files: cdc(30), deletes: 0 })).toEqual([]);
  });

  it('counts CDC files per table, not full-load files', () => {
    const check = new DmsSettingsCheck(2);
    const load = { kind: 'load' as const, hasOp: true };
    expect(check.observe({ table: 'a', files: [load, load, load], deletes: 0 })).toEqual([]);
    expect(check.observe({ table: 'b', files: cdc(1), deletes: 0 })).toEqual([]);
    expect(check.observe({ table: 'a', files: cdc(1), deletes: 0 })).toEqual([]);
    expect(check.observe({ table: 'a', files: cdc(1), deletes: 0 })).toHaveLength(1);
  });

  it('is off with a threshold of 0', () => {
    const check = new DmsSettingsCheck(0);
    expect(check.observe({ table: 'orders', files: cdc(1000), deletes: 0 })).toEqual([]);
  });

  it('warns once per table about full-load files without Op', () => {
    const check = new DmsSettingsCheck(0);
    const noOp = { kind: 'load' as const, hasOp: false };
    const warnings = check.observe({ table: 'orders', files: [noOp], deletes: 0 });
    expect(warnings).toEqual([
      expect.objectContaining({ table: 'orders', setting: 'IncludeOpForFullLoad' }),
    ]);
    expect(warnings[0]?.message).toMatch(/full-load files of orders have no Op column/);
    expect(check.observe({ table: 'orders', files: [noOp], deletes: 0 })).toEqual([]);
    expect(check.observe({ table: 'items', files: [noOp], deletes: 0 })).toHaveLength(1);
  });

  it('does not mistake CDC files without Op, or full-load files with Op, for the full-load setting', () => {
    const check = new DmsSettingsCheck(0);
    expect(
      check.observe({
        table: 'orders',
        files: [
          { kind: 'cdc', hasOp: false },
          { kind: 'load', hasOp: true },
        ],
        deletes: 0,
      }),
    ).toEqual([]);
  });
});
