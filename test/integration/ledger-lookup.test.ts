// The ledger look-up against the real engine: it finds every loaded file it is asked about, and
// with the window from the files' names Databend skips the ledger's older blocks by their
// min/max of loaded_at (read from EXPLAIN's pruning statistics, not from a timing).
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualified, quoteString } from '../../src/databend/quote.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { DatabendLedgerReader } from '../../src/control/ledger-reader.js';
import { parseKey } from '../../src/files/key-layout.js';
import { earliestLoadTime } from '../../src/files/ledger-window.js';
import { insertLedgerSql, loadedFilesSql } from '../../src/control/ledger-sql.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { connect } from '../support/stack.js';

let target: TestTarget;
let pool: SessionPool;
let conn: Connection;
let control: string;

const BUCKET = 'lookup-bucket';
const now = new Date();
const recentName = (offsetMs: number): string => {
  const d = new Date(now.getTime() + offsetMs).toISOString();
  return `${d.slice(0, 10).replace(/-/g, '')}-${d.slice(11, 23).replace(/[:.]/g, '')}.parquet`;
};
const recentKey = `shop/orders/${recentName(-5_000)}`;
const secondKey = `shop/orders/${recentName(-4_000)}`;

beforeAll(async () => {
  target = await testTarget('ledgerlookup');
  pool = new SessionPool(target.config.databend.dsn);
  conn = await connect();
  await prepareDatabend(pool, target.config);
  control = target.config.databend.controlDatabase;
  // Three blocks of old files, each appended by its own INSERT as months of batches leave them.
  for (const month of ['2024-01', '2024-02', '2024-03']) {
    await conn.exec(
      `INSERT INTO ${qualified(control, 'files')} (bucket, object_key, etag, table_name, batch_id, file_kind, row_count, byte_size, event_time, loaded_at) ` +
        `SELECT ${quoteString(BUCKET)}, concat('shop/orders/', ${quoteString(month.replace('-', ''))}, '01-', lpad(number::STRING, 9, '0'), '.parquet'), 'e', 'orders', 'b', 'cdc', 1, 1, NULL, ` +
        `add_seconds(${quoteString(`${month}-01 00:00:00`)}::TIMESTAMP, number) FROM numbers(1000)`,
    );
  }
  await conn.exec(
    insertLedgerSql(control, [
      {
        bucket: BUCKET,
        key: recentKey,
        etag: 'etag-1',
        table: 'orders',
        batchId: 'b1',
        kind: 'cdc',
        rows: 1,
        size: 1,
        eventTime: undefined,
      },
    ]),
  );
});

afterAll(async () => {
  await dropTargetDatabases(conn, target.config);
  await conn.close();
  await pool.close();
});

function windowOf(keys: readonly string[]): Date | undefined {
  return earliestLoadTime(
    keys.map((k) => {
      const parsed = parseKey(k, { bucketFolder: '' });
      return parsed.ok ? parsed.file : undefined;
    }),
  );
}

/**
 * EXPLAIN's range pruning of a query's segments (each INSERT above wrote one): [before, after].
 */
async function segmentRangePruning(sql: string): Promise<[number, number]> {
  const lines = (await conn.queryAll(`EXPLAIN ${sql}`)).map((r) => String(r.values()[0]));
  const stats = lines.find((l) => l.includes('pruning stats')) ?? '';
  const match = /segments: <range pruning: (\d+) to (\d+)/.exec(stats);
  if (match === null) throw new Error(`no segment pruning in: ${lines.join('\n')}`);
  return [Number(match[1]), Number(match[2])];
}

describe('the ledger look-up', () => {
  it('finds loaded files inside the window, old and new', async () => {
    const keys = [recentKey, secondKey, 'shop/orders/20240201-000000007.parquet'];
    const rows = await conn.queryAll(loadedFilesSql(control, BUCKET, keys, windowOf(keys)));
    expect(rows.map((r) => String(r.values()[0])).sort()).toEqual([
      'shop/orders/20240201-000000007.parquet',
      recentKey,
    ]);
    const reader = new DatabendLedgerReader(pool, target.config);
    const found = await reader.loaded([
      { bucket: BUCKET, key: recentKey, etag: 'etag-1' },
      { bucket: BUCKET, key: secondKey, etag: 'etag-2' },
    ]);
    expect([...found]).toEqual([`${BUCKET}\u0000${recentKey}\u0000etag-1`]);
  });

  it('skips the segments loaded before the oldest file asked about', async () => {
    for (const keys of [[recentKey], [recentKey, secondKey]]) {
      const [before, after] = await segmentRangePruning(
        loadedFilesSql(control, BUCKET, keys, windowOf(keys)),
      );
      expect(before).toBeGreaterThanOrEqual(4);
      expect(after).toBe(1);
      // Without the window every segment is a candidate.
      const [, unbounded] = await segmentRangePruning(loadedFilesSql(control, BUCKET, keys));
      expect(unbounded).toBe(before);
    }
  });
});
