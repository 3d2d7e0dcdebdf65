// `status`, `pause` and `resume` against the local stack, and a running pipeline that follows a
// pause and a resume made by the CLI.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableStatus } from '../../src/cli/status-format.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import type { FileResult } from '../../src/ingest/file-outcome.js';
import { replicationLoop } from '../../src/cli/replication-loop.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { runCli, TestLoader } from '../support/cli.js';
import { parquetBytes, CDC_COLUMNS, DMS_TIMESTAMP } from '../support/parquet.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3, sqs } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';

let target: TestTarget;
let pool: SessionPool;
let s3Client: S3Client;
let sqsClient: SQSClient;
let conn: Connection;
let loader: TestLoader;

const file = (ids: number[]): Buffer =>
  parquetBytes(
    CDC_COLUMNS,
    ids.map((id) => ({ Op: 'I', [DMS_TIMESTAMP]: '2024-01-01 00:00:01', id, name: `n${id}` })),
  );

beforeAll(async () => {
  target = await testTarget('clistatus', {
    'shop.orders': { primaryKey: ['id'] },
    'shop.items': { primaryKey: ['id'] },
  });
  pool = new SessionPool(target.config.databend.dsn);
  s3Client = s3();
  sqsClient = sqs();
  conn = await connect();
  await prepareDatabend(pool, target.config);
  loader = new TestLoader(target.config, pool, s3Client);
  await loader.putAndLoad([
    { key: 'shop/orders/20240101-000001000.parquet', body: file([1, 2]) },
    { key: 'shop/orders/20240101-000002000.parquet', body: file([3]) },
  ]);
  await loader.putAndLoad([
    { key: 'shop/orders/20240101-000003000.parquet', body: file([4, 5, 6]) },
  ]);
  await loader.putAndLoad([{ key: 'shop/items/20240101-000001000.parquet', body: file([9]) }]);
});

afterAll(async () => {
  await dropTargetDatabases(conn, target.config);
  await conn.close();
  await pool.close();
  s3Client.destroy();
  sqsClient.destroy();
});

interface StatusJson {
  tables: TableStatus[];
  queue: { waiting: number; inFlight: number; delayed: number; deadLetters?: number } | null;
}

describe('status', () => {
  it('reports per table the last batch, the files and rows loaded, the lag, and the queue', async () => {
    const result = await runCli(target.config, ['status', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as StatusJson;
    const [items, orders] = status.tables;
    expect(status.tables.map((t) => t.table)).toEqual(['items', 'orders']);
    expect(orders).toMatchObject({ paused: false, files: 3, rows: 6 });
    expect(orders?.lastBatch).toMatchObject({ files: 1, rows: 3 });
    expect(items).toMatchObject({
      paused: false,
      files: 1,
      rows: 1,
      lastBatch: { files: 1, rows: 1 },
    });
    // The files were written moments ago.
    expect(orders?.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(orders?.lagSeconds).toBeLessThan(300);
    // Each upload notified the queue (and setting up the notification sent an s3:TestEvent);
    // nothing consumed the messages.
    const queue = status.queue;
    expect(queue === null ? -1 : queue.waiting + queue.inFlight + queue.delayed).toBe(5);
    expect(queue?.deadLetters).toBe(0);
  });

  it('prints an aligned table for people', async () => {
    const result = await runCli(target.config, ['status']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^TABLE\s+STATE\s+LAST BATCH \(UTC\)\s+FILES\s+ROWS\s+LOADED FILES\s+LOADED ROWS\s+LAG$/,
    );
    expect(lines[1]).toMatch(
      /^items\s+running\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1\s+1\s+1\s+1\s+\d+[smhd]/,
    );
    expect(lines[2]).toMatch(
      /^orders\s+running\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1\s+3\s+3\s+6\s+\d+[smhd]/,
    );
    expect(result.stdout).toContain(
      'queue: 5 waiting, 0 in flight, 0 delayed; dead-letter queue: 0',
    );
  });
});

describe('pause and resume', () => {
  it('a running pipeline follows a pause and a resume made by the CLI within seconds', async () => {
    const events = new PipelineEvents();
    const loop = replicationLoop({
      config: target.config,
      logger: pino({ level: 'silent' }),
      events,
      pool,
      s3: s3Client,
      sqs: sqsClient,
      tableStatePollMs: 200,
    });
    const { pipeline } = loop;
    await loop.start();
    try {
      const paused = await runCli(target.config, [
        'pause',
        '--table',
        'orders',
        '--reason',
        'checking a column',
      ]);
      expect(paused.code).toBe(0);
      expect(paused.stdout).toBe(
        'paused orders: checking a column; a running service stops loading it within about 10 s\n',
      );
      await waitUntil(
        'orders paused',
        () => pipeline.pausedTables().get('orders') === 'checking a column',
        { timeoutMs: 10_000, intervalMs: 50 },
      );

      const status = await runCli(target.config, ['status']);
      expect(status.stdout).toMatch(/^orders\s+PAUSED\s/m);
      expect(status.stdout).toMatch(
        /^orders is paused since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: checking a column$/m,
      );

      // A file of the paused table is held (its message can be acknowledged), not loaded.
      const pending = await loader.put('shop/orders/20240102-000001000.parquet', file([7]));
      const outcome: FileResult = await pipeline.submit(pending.ref);
      expect(outcome).toEqual({ kind: 'done', rows: 0, reason: 'held until the table resumes' });
      const control = target.config.databend.controlDatabase;
      const held = async (): Promise<number> =>
        Number(
          (
            await conn.queryRow(
              `SELECT count(DISTINCT object_key, etag) FROM ${control}.held_files`,
            )
          )?.values()[0],
        );
      expect(await held()).toBe(1);
      const ods = async (): Promise<number> =>
        Number(
          (
            await conn.queryRow(
              `SELECT count(*) FROM ${target.config.databend.odsDatabase}.orders WHERE id = 7`,
            )
          )?.values()[0],
        );
      expect(await ods()).toBe(0);

      const resumed = await runCli(target.config, ['resume', '--table', 'orders']);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe(
        'resumed orders; a running service loads it again within about 10 s\n',
      );
      // On resume the held file loads, and leaves held_files.
      await waitUntil('orders resumed', () => !pipeline.pausedTables().has('orders'), {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      await waitUntil(
        'the held file loaded',
        async () => (await ods()) === 1 && (await held()) === 0,
      );
    } finally {
      await loop.stop(AbortSignal.timeout(5_000));
    }
  });

  it('says so when resuming a table that is not paused, and warns about an unknown table', async () => {
    const resumed = await runCli(target.config, ['resume', '--table', 'items']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe('items is not paused; nothing to do\n');

    const paused = await runCli(target.config, ['pause', '--table', 'orderz']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('paused orderz: paused by an operator;');
    expect(paused.stdout).toContain('no file of orderz is in the ledger yet: is the name right?');
    const states = await conn.queryAll(
      `SELECT table_name, paused FROM ${target.config.databend.controlDatabase}.table_state ORDER BY table_name`,
    );
    expect(states.map((r) => r.values() as unknown[])).toEqual([
      ['orders', false],
      ['orderz', true],
    ]);
  });
});
