import { describe, expect, it } from 'vitest';
import {
  ADDED_COLUMN,
  catalogTables,
  changeStream,
  formatDmsTimestamp,
  keyOf,
  simulate,
  type Change,
  type DmsSettings,
  type WorkloadOptions,
} from '../../sim/index.js';

const workload: WorkloadOptions = {
  seed: 42,
  tables: catalogTables('shop', 3),
  initialRows: 60,
  durationSeconds: 60,
  transactionsPerSecond: 20,
  reload: { table: 'orders', atFraction: 0.8 },
};
const dms: Partial<DmsSettings> = { cdcMaxBatchInterval: 5, changeSeqColumn: 'AR_H_CHANGE_SEQ' };

function changesOf(table: string, changes: readonly Change[]): Change[] {
  return changes.filter((c) => c.table === table);
}

describe('the simulated workload', () => {
  const sim = simulate(workload, dms);
  const changes = changeStream(sim.files);

  it('is deterministic for a seed and differs for another seed', () => {
    const again = simulate(workload, dms);
    expect(JSON.stringify(again.files)).toBe(JSON.stringify(sim.files));
    expect(JSON.stringify([...again.truth.values()].map((t) => [...t.rows]))).toBe(
      JSON.stringify([...sim.truth.values()].map((t) => [...t.rows])),
    );
    const other = simulate({ ...workload, seed: 43 }, dms);
    expect(JSON.stringify(other.files)).not.toBe(JSON.stringify(sim.files));
  });

  it('stamps CDC rows with whole-second commit times and full-load rows with microsecond transfer times', () => {
    const cdc = changes.filter((c) => c.fileKind === 'cdc');
    const load = changes.filter((c) => c.fileKind === 'load');
    expect(cdc.length).toBeGreaterThan(500);
    expect(
      cdc.every((c) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000000$/.test(c.timestamp ?? '')),
    ).toBe(true);
    expect(load.some((c) => !(c.timestamp ?? '').endsWith('.000000'))).toBe(true);
    expect(load.every((c) => c.op === 'I' && c.changeSeq === null)).toBe(true);
    expect(changes.every((c) => formatDmsTimestamp(c.at) === c.timestamp)).toBe(true);
    expect(new Set(cdc.map((c) => c.op))).toEqual(new Set(['I', 'U', 'D']));
  });

  it('ties commit timestamps inside files and changes one key several times in one file', () => {
    const byFile = new Map<number, Change[]>();
    for (const c of changes.filter((x) => x.fileKind === 'cdc')) {
      byFile.set(c.fileId, [...(byFile.get(c.fileId) ?? []), c]);
    }
    let ties = 0;
    let repeatedKey = false;
    for (const rows of byFile.values()) {
      const stamps = rows.map((r) => r.timestamp);
      ties += stamps.length - new Set(stamps).size;
      const table = sim.tables.find((t) => `${t.schema}.${t.name}` === rows[0]?.table);
      if (table === undefined) continue;
      const counts = new Map<string, number>();
      for (const r of rows)
        counts.set(keyOf(table, r.row), (counts.get(keyOf(table, r.row)) ?? 0) + 1);
      if ([...counts.values()].some((n) => n >= 3)) repeatedKey = true;
    }
    expect(ties).toBeGreaterThan(100);
    expect(repeatedKey).toBe(true);
    // The change-sequence column breaks ties in commit order.
    const seqs = changes.filter((c) => c.fileKind === 'cdc').map((c) => c.changeSeq ?? '');
    expect(seqs.every((s) => /^\d{35}$/.test(s))).toBe(true);
  });

  it('deletes keys and inserts them again later', () => {
    const table = sim.tables[0];
    if (table === undefined) throw new Error('no table');
    const seen = new Map<string, string[]>();
    for (const c of changesOf('shop.customers', changes).filter((x) => x.fileKind === 'cdc')) {
      const key = keyOf(table, c.row);
      seen.set(key, [...(seen.get(key) ?? []), c.op]);
    }
    const reinserted = [...seen.values()].filter((ops) => ops.join('').includes('DI'));
    expect(reinserted.length).toBeGreaterThan(0);
  });

  it('adds a column mid-stream: later CDC files carry it last among the table columns', () => {
    const files = sim.files.filter((f) => f.table === 'shop.customers');
    const withColumn = files.filter((f) => f.columns.some((c) => c.name === ADDED_COLUMN.name));
    const without = files.filter((f) => !f.columns.some((c) => c.name === ADDED_COLUMN.name));
    expect(withColumn.length).toBeGreaterThan(0);
    expect(without.some((f) => f.kind === 'cdc')).toBe(true);
    expect(without.some((f) => f.kind === 'load')).toBe(true);
    const firstWith = Math.min(...withColumn.map((f) => f.createdAt));
    expect(without.every((f) => f.createdAt < firstWith)).toBe(true);
    for (const f of withColumn) {
      const data = f.columns.filter((c) => c.role === 'data').map((c) => c.name);
      expect(data.at(-1)).toBe(ADDED_COLUMN.name);
      expect(f.columns.at(-1)?.name).toBe('AR_H_CHANGE_SEQ');
    }
    const truth = sim.truth.get('shop.customers');
    const values = [...(truth?.rows.values() ?? [])].map((r) => r[ADDED_COLUMN.name]);
    expect(values.some((v) => v === null)).toBe(true);
    expect(values.some((v) => v !== null)).toBe(true);
  });

  it('overlaps the full load with cached changes the load already saw', () => {
    let overlaps = 0;
    for (const table of sim.tables) {
      const name = `${table.schema}.${table.name}`;
      const loaded = new Map<string, string>();
      for (const c of changesOf(name, changes).filter(
        (x) => x.fileKind === 'load' && x.fileVersion === 1,
      )) {
        loaded.set(keyOf(table, c.row), c.timestamp ?? '');
      }
      for (const c of changesOf(name, changes).filter((x) => x.fileKind === 'cdc')) {
        const readAt = loaded.get(keyOf(table, c.row));
        if (readAt !== undefined && (c.timestamp ?? '') < readAt) overlaps++;
      }
    }
    expect(overlaps).toBeGreaterThan(0);
  });

  it('reloads a table: its LOAD files are written again under the same keys with later rows', () => {
    const first = sim.files.filter(
      (f) => f.table === 'shop.orders' && f.kind === 'load' && f.version === 1,
    );
    const second = sim.files.filter((f) => f.table === 'shop.orders' && f.version === 2);
    expect(second.length).toBeGreaterThan(0);
    expect(second.map((f) => f.key)).toEqual(first.map((f) => f.key).slice(0, second.length));
    const lastFirst = Math.max(...first.flatMap((f) => f.rows.map((r) => r.timestamp)));
    expect(second.every((f) => f.rows.every((r) => r.timestamp > lastFirst))).toBe(true);
  });

  it('cuts a CDC file when its rows reach cdcMinFileSize before the interval ends', () => {
    const bySize = simulate(workload, { ...dms, cdcMaxBatchInterval: 3600, cdcMinFileSize: 2 });
    const cdc = bySize.files.filter((f) => f.kind === 'cdc' && f.table === 'shop.orders');
    expect(cdc.length).toBeGreaterThan(20);
    expect(Math.max(...cdc.map((f) => f.rows.length))).toBeLessThan(20);
  });

  it('leaves Op out of full-load files when IncludeOpForFullLoad is false', () => {
    const noOp = simulate(workload, { includeOpForFullLoad: false });
    for (const f of noOp.files) {
      expect(f.columns[0]?.name === 'Op').toBe(f.kind === 'cdc');
      expect(f.columns[f.kind === 'cdc' ? 1 : 0]?.name).toBe('_dms_ingestion_timestamp');
    }
  });

  it('stamps every full-load row with the task start when UseTaskStartTimeForFullLoadTimestamp is set', () => {
    const fixed = simulate(
      { ...workload, reload: null },
      { useTaskStartTimeForFullLoadTimestamp: true },
    );
    const stamps = new Set(
      changeStream(fixed.files)
        .filter((c) => c.fileKind === 'load')
        .map((c) => c.timestamp),
    );
    expect([...stamps]).toEqual([formatDmsTimestamp(fixed.taskStartAt)]);
  });

  it('fills before-image key columns on updates, including updates that change the key', () => {
    const bi = simulate(workload, { beforeImagePrefix: 'BI_' });
    const stream = changeStream(bi.files);
    const orders = bi.tables.find((t) => t.name === 'orders');
    if (orders === undefined) throw new Error('no orders');
    const updates = stream.filter((c) => c.table === 'shop.orders' && c.op === 'U');
    expect(updates.every((c) => c.beforeImage !== null)).toBe(true);
    expect(stream.filter((c) => c.op !== 'U').every((c) => c.beforeImage === null)).toBe(true);
    const keyChanges = updates.filter(
      (c) => keyOf(orders, c.beforeImage ?? {}) !== keyOf(orders, c.row),
    );
    expect(keyChanges.length).toBeGreaterThan(0);
    const file = bi.files.find((f) => f.table === 'shop.order_items');
    expect(file?.columns.slice(-2).map((c) => c.name)).toEqual(['BI_order_id', 'BI_line_no']);
  });

  it('knows the source state at any time', () => {
    const before = sim.truthAt(sim.taskStartAt);
    expect(before.get('shop.orders')?.rows.size).toBe(60);
    const end = sim.truthAt(sim.endAt);
    expect([...(end.get('shop.orders')?.rows.keys() ?? [])].sort()).toEqual(
      [...(sim.truth.get('shop.orders')?.rows.keys() ?? [])].sort(),
    );
  });
});
