// Primary-key changes through DMS before-image columns (BI_<key>): an UPDATE that changes a key
// also tombstones the old key in ODS, ordered by _seq like any other change. Hand-written files
// through the service's BatchLoader for the exact cases, and the simulator's key-changing
// UPDATEs through the running service for the whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogTables } from '../../sim/index.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { qualified, quoteString } from '../../src/databend/quote.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { TestLoader } from '../support/cli.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { type TestTarget } from '../support/pipeline.js';
import { tableSettings, waitForConvergence } from '../support/replicator.js';
import { columnNames, countOf, simulatedFiles } from '../support/schema-scenario.js';
import { s3 } from '../support/stack.js';
import { useTestTargets } from '../support/targets.js';

const TS = '_dms_ingestion_timestamp';
const COLUMNS: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
  ['BI_id', 'int64'],
];

interface Change {
  op: 'I' | 'U' | 'D';
  id: number;
  name?: string;
  before?: number;
}

const file = (second: number, changes: Change[]): Buffer =>
  parquetBytes(
    COLUMNS,
    changes.map((c) => ({
      Op: c.op,
      [TS]: `2024-01-01 00:00:${String(second).padStart(2, '0')}`,
      id: c.id,
      name: c.name ?? `n${c.id}`,
      BI_id: c.before ?? null,
    })),
  );
const cdcKey = (second: number) =>
  `shop/accounts/20240101-0000${String(second).padStart(2, '0')}000.parquet`;

const targets = useTestTargets();

describe('a key-changing update with before images, batch by batch', () => {
  let target: TestTarget;
  let pool: SessionPool;
  let loader: TestLoader;
  let ods: string;
  let raw: string;

  /** id → [name, is_deleted, _seq] of ODS. */
  async function odsRows(): Promise<Map<number, [string | null, boolean, string]>> {
    const rows = await targets.conn.queryAll(
      `SELECT id, name, is_deleted, _seq FROM ${ods} ORDER BY id`,
    );
    return new Map(
      rows.map((r) => {
        const [id, name, deleted, seq] = r.values() as [number, string | null, boolean, string];
        return [Number(id), [name, deleted, seq]];
      }),
    );
  }

  async function rawSeq(key: string, row: number): Promise<string> {
    const found = await targets.conn.queryRow(
      `SELECT _seq FROM ${raw} WHERE _file = ${quoteString(key)} AND _row = ${row}`,
    );
    return String(found?.values()[0]);
  }

  beforeAll(async () => {
    target = await targets.target('bikeys', { 'shop.accounts': { primaryKey: ['id'] } });
    pool = new SessionPool(target.config.databend.dsn);
    await prepareDatabend(pool, target.config);
    loader = new TestLoader(target.config, pool, s3());
    ods = qualified(target.config.databend.odsDatabase, 'accounts');
    raw = qualified(target.config.databend.rawDatabase, 'accounts');
    await loader.putAndLoad([
      {
        key: 'shop/accounts/LOAD00000001.parquet',
        body: file(0, [
          { op: 'I', id: 1 },
          { op: 'I', id: 5 },
        ]),
      },
    ]);
  });

  afterAll(async () => {
    await pool.close();
  });

  it('keeps the before-image column in raw and out of ODS', { timeout: 240_000 }, async () => {
    expect(
      await columnNames(targets.conn, target.config.databend.rawDatabase, 'accounts'),
    ).toContain('BI_id');
    expect(await columnNames(targets.conn, target.config.databend.odsDatabase, 'accounts')).toEqual(
      [TS, 'id', 'name', 'is_deleted', '_seq', '_updated_at'],
    );
  });

  it(
    'tombstones the old key with the update’s _seq and upserts the new one',
    { timeout: 240_000 },
    async () => {
      await loader.putAndLoad([
        {
          key: cdcKey(10),
          body: file(10, [
            { op: 'U', id: 2, name: 'was 1', before: 1 },
            { op: 'U', id: 6, name: 'was 5', before: 5 },
            { op: 'U', id: 6, name: 'same key', before: 6 },
          ]),
        },
      ]);
      const rows = await odsRows();
      expect(rows.get(1)?.slice(0, 2)).toEqual(['n1', true]);
      expect(rows.get(1)?.[2]).toBe(await rawSeq(cdcKey(10), 0));
      expect(rows.get(2)?.slice(0, 2)).toEqual(['was 1', false]);
      expect(rows.get(5)?.slice(0, 2)).toEqual(['n5', true]);
      expect(rows.get(6)?.slice(0, 2)).toEqual(['same key', false]);
    },
  );

  it(
    'does not let a late, older change of the old key bring it back',
    { timeout: 240_000 },
    async () => {
      await loader.putAndLoad([
        { key: cdcKey(5), body: file(5, [{ op: 'U', id: 1, name: 'older', before: 1 }]) },
      ]);
      expect((await odsRows()).get(1)?.slice(0, 2)).toEqual(['n1', true]);
    },
  );

  it('lets a later re-insert of the old key win', { timeout: 240_000 }, async () => {
    await loader.putAndLoad([
      { key: cdcKey(20), body: file(20, [{ op: 'I', id: 1, name: 'again' }]) },
    ]);
    expect((await odsRows()).get(1)?.slice(0, 2)).toEqual(['again', false]);
  });

  it(
    'orders key changes back and forth within one file by position',
    { timeout: 240_000 },
    async () => {
      await loader.putAndLoad([
        {
          key: cdcKey(30),
          body: file(30, [
            { op: 'U', id: 7, name: 'moved to 7', before: 6 },
            { op: 'U', id: 6, name: 'back to 6', before: 7 },
          ]),
        },
      ]);
      const rows = await odsRows();
      expect(rows.get(6)?.slice(0, 2)).toEqual(['back to 6', false]);
      // 7 lived only inside the file: its tombstone has the key and no other value.
      expect(rows.get(7)?.slice(0, 2)).toEqual([null, true]);
    },
  );

  it(
    'leaves a tombstone for an old key ODS never saw, so its late insert stays deleted',
    { timeout: 240_000 },
    async () => {
      await loader.putAndLoad([
        { key: cdcKey(40), body: file(40, [{ op: 'U', id: 10, name: 'was 9', before: 9 }]) },
      ]);
      expect((await odsRows()).get(9)?.[1]).toBe(true);
      await loader.putAndLoad([{ key: cdcKey(35), body: file(35, [{ op: 'I', id: 9 }]) }]);
      const rows = await odsRows();
      expect(rows.get(9)?.[1]).toBe(true);
      expect(rows.get(10)?.slice(0, 2)).toEqual(['was 9', false]);
    },
  );

  it(
    'loads files without before images next to ones with them (NULL means key unchanged)',
    { timeout: 240_000 },
    async () => {
      const noImages = parquetBytes(
        COLUMNS.filter(([name]) => name !== 'BI_id'),
        [{ Op: 'U', [TS]: '2024-01-01 00:00:50', id: 10, name: 'no image' }],
      );
      await loader.putAndLoad([
        { key: cdcKey(50), body: noImages },
        { key: cdcKey(51), body: file(51, [{ op: 'U', id: 11, name: 'was 2', before: 2 }]) },
      ]);
      const rows = await odsRows();
      expect(rows.get(10)?.slice(0, 2)).toEqual(['no image', false]);
      expect(rows.get(2)?.[1]).toBe(true);
      expect(rows.get(11)?.slice(0, 2)).toEqual(['was 2', false]);
    },
  );
});

describe('key-changing updates from the simulator, end to end', () => {
  it(
    'converges with every old key a tombstone, single and composite keys',
    { timeout: 240_000 },
    async () => {
      const tables = catalogTables('shop', 3);
      const target = await targets.target('bisim', tableSettings(tables));
      const { config, pipe } = target;
      const source = await simulatedFiles(
        pipe.bucket,
        { seed: 31, durationSeconds: 30, transactionsPerSecond: 12, initialRows: 40, tables },
        { beforeImagePrefix: 'BI_' },
      );
      const keyChanges = source.simulation.files
        .flatMap((f) => f.rows.map((r) => ({ table: f.table, row: r })))
        .filter(({ table, row }) => {
          const key = tables.find((t) => `${t.schema}.${t.name}` === table)?.primaryKey ?? [];
          return row.op === 'U' && key.some((k) => row.beforeImage?.[k] !== row.row[k]);
        });
      expect(keyChanges.length).toBeGreaterThan(3);

      const replicator = targets.replicator(config);
      replicator.start();
      await source.deliver(undefined, { seed: 4, reorderWindow: 6, duplicateProbability: 0.2 });
      const result = await waitForConvergence(targets.conn, source.simulation, config);
      expect(result.report).toBe('all 3 tables equal');

      const { rawDatabase, odsDatabase } = config.databend;
      expect(await columnNames(targets.conn, rawDatabase, 'order_items')).toEqual(
        expect.arrayContaining(['BI_order_id', 'BI_line_no']),
      );
      for (const table of ['customers', 'orders', 'order_items'])
        expect(
          (await columnNames(targets.conn, odsDatabase, table)).filter((c) => c.startsWith('BI_')),
        ).toEqual([]);

      // Old keys no later change touched: tombstones carrying the key-changing update's _seq.
      const tombstonedWithUpdateSeq = await countOf(
        targets.conn,
        `${qualified(odsDatabase, 'orders')} o JOIN (SELECT \`BI_order_id\` AS k, max(_seq) AS s ` +
          `FROM ${qualified(rawDatabase, 'orders')} WHERE \`Op\` = 'U' ` +
          'AND `BI_order_id` <> order_id GROUP BY `BI_order_id`) c ' +
          'ON o.order_id = c.k WHERE o.is_deleted AND o._seq = c.s',
      );
      const ordersKeyChanges = keyChanges.filter((c) => c.table === 'shop.orders').length;
      expect(ordersKeyChanges).toBeGreaterThan(0);
      expect(tombstonedWithUpdateSeq).toBeGreaterThan(0);
    },
  );
});
