import { describe, expect, it } from 'vitest';
import { catalogTables, changeStream, replay, simulate } from '../../sim/index.js';

const base = {
  seed: 44,
  tables: catalogTables('shop', 2),
  initialRows: 30,
  durationSeconds: 16,
  transactionsPerSecond: 6,
};
const dms = { cdcMaxBatchInterval: 2, changeSeqColumn: 'AR_H_CHANGE_SEQ' };

function lostSilently(sim: ReturnType<typeof simulate>, table: string): number {
  const upserted = replay(changeStream(sim.files), sim.tables).get(table);
  const truth = sim.truth.get(table);
  return [...(upserted?.rows.keys() ?? [])].filter((k) => truth?.rows.has(k) !== true).length;
}

describe('simulated reloads, capture gaps and truncates', () => {
  it('captures nothing of a table during its gap; the reload rewrites its LOAD keys', () => {
    const sim = simulate(
      { ...base, reloads: [{ table: 'orders', atFraction: 0.55, captureGapSeconds: 4 }] },
      dms,
    );
    const reload = sim.files.find((f) => f.table === 'shop.orders' && f.version === 2);
    if (reload === undefined) throw new Error('no reload');
    const start = reload.rows[0]?.timestamp ?? 0;
    const gap = sim.sourceChanges.filter(
      (c) => c.table === 'shop.orders' && c.commitAt < start && c.commitAt > start - 3_000_000,
    );
    expect(gap.length).toBeGreaterThan(0);
    // $AR_H_CHANGE_SEQ ends with the change's event number.
    const captured = new Set(
      sim.files.flatMap((f) => f.rows.map((r) => Number(r.changeSeq?.slice(16) ?? -1))),
    );
    expect(gap.filter((c) => captured.has(c.eventNo))).toEqual([]);
    // CDC files of the reloaded table are written only after its reload.
    const during = sim.files.filter(
      (f) => f.table === 'shop.orders' && f.kind === 'cdc' && f.createdAt > start - 3_000_000,
    );
    expect(during.every((f) => f.createdAt > reload.createdAt)).toBe(true);
    // Upserting the captured changes leaves rows the source deleted in the gap.
    expect(lostSilently(sim, 'shop.orders')).toBeGreaterThan(0);
  });

  it('deletes the table folder before a DROP_AND_CREATE reload writes', () => {
    const sim = simulate(
      {
        ...base,
        reloads: [{ table: 'orders', atFraction: 0.5, targetTablePrepMode: 'DROP_AND_CREATE' }],
      },
      dms,
    );
    const [removal] = sim.removals;
    if (removal === undefined) throw new Error('no removal');
    const before = sim.files.filter((f) => f.table === 'shop.orders' && f.createdAt < removal.at);
    expect(removal.keys).toEqual([...new Set(before.map((f) => f.key))].sort());
    const reload = sim.files.find((f) => f.table === 'shop.orders' && f.version === 2);
    expect(reload?.createdAt).toBeGreaterThan(removal.at);
  });

  it('empties the source on a TRUNCATE without row changes, and DMS removes the folder', () => {
    const sim = simulate({ ...base, truncates: [{ table: 'orders', atFraction: 0.4 }] }, dms);
    expect(sim.removals.map((r) => [r.table, r.why])).toEqual([['shop.orders', 'truncate']]);
    expect(lostSilently(sim, 'shop.orders')).toBeGreaterThan(20);
  });

  it('writes no LOAD file for a table that is empty when it is reloaded', () => {
    const sim = simulate(
      {
        ...base,
        transactionsPerSecond: 0,
        truncates: [{ table: 'orders', atFraction: 0.4 }],
        reloads: [{ table: 'orders', atFraction: 0.6, targetTablePrepMode: 'DROP_AND_CREATE' }],
      },
      dms,
    );
    expect(sim.files.filter((f) => f.table === 'shop.orders' && f.version > 1)).toEqual([]);
    expect(sim.truth.get('shop.orders')?.rows.size).toBe(0);
    expect(sim.removals.map((r) => r.why)).toEqual(['truncate', 'drop-and-create']);
  });
});
