// `status` (the CLI) and GET /status of the running service say, per table, how many files are
// held while it is paused and its last error, read from the control tables: a poison file
// pauses its table (its error recorded), the next file of that table is held.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { freePort } from '../../stack/processes.js';
import { runCli } from '../support/cli.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { dropTargetDatabases, testTarget } from '../support/pipeline.js';
import { Replicator } from '../support/replicator.js';
import { connect, s3 } from '../support/stack.js';

const TS = '_dms_ingestion_timestamp';
const CDC: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [TS, 'string'],
  ['id', 'int64'],
];

interface TableJson {
  table: string;
  paused: boolean;
  heldFiles: number;
  lastError?: { kind: string; message: string; at: string };
}

let config: Config;
let conn: Connection;
let s3Client: S3Client;
let replicator: Replicator;
let statusUrl: string;

async function put(key: string, body: Buffer): Promise<void> {
  await s3Client.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: body }));
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    value = await read();
  }
  return value;
}

beforeAll(async () => {
  const target = await testTarget(
    'statusheld',
    { 'shop.orders': { primaryKey: ['id'] } },
    {
      logLevel: 'info',
      poison: { mode: 'pause' },
    },
  );
  const port = await freePort();
  statusUrl = `http://127.0.0.1:${port}/status`;
  // The running service re-reads table_state (and the held files) every 5 s.
  config = { ...target.config, http: { host: '127.0.0.1', port } };
  conn = await connect();
  s3Client = s3();
  replicator = new Replicator(config);
  replicator.start();
  await replicator.waitForLog(/bend-replicator is running/, 60_000);
}, 90_000);

afterAll(async () => {
  await replicator.stop();
  await dropTargetDatabases(conn, config);
  await conn.close();
});

it('shows held files and the last error per table, in the CLI and in GET /status', async () => {
  const good = (id: number): Buffer =>
    parquetBytes(CDC, [{ Op: 'I', [TS]: '2024-01-01 00:00:01', id }]);
  await put('shop/orders/20240101-000001000.parquet', good(1));
  await replicator.waitForLog(/batch committed/, 60_000);
  await put('shop/orders/20240101-000002000.parquet', Buffer.from('not a parquet file'));
  await replicator.waitForLog(/"outcome":"poison"/, 60_000);
  await put('shop/orders/20240101-000003000.parquet', good(3));
  await replicator.waitForLog(/held until the table resumes/, 60_000);

  const fromService = await until(
    async () => {
      const body = (await (await fetch(statusUrl)).json()) as { tables: TableJson[] };
      return body.tables.find((t) => t.table === 'orders');
    },
    (t) => t?.heldFiles === 1 && t.lastError !== undefined,
  );
  expect(fromService).toMatchObject({ table: 'orders', paused: true, heldFiles: 1 });
  expect(fromService?.lastError?.kind).toBe('poison');

  const json = await runCli(config, ['status', '--json']);
  expect(json.code).toBe(0);
  const fromCli = (JSON.parse(json.stdout) as { tables: TableJson[] }).tables.find(
    (t) => t.table === 'orders',
  );
  // The same facts, read from the same control tables; the poison message, delivered again
  // until SQS moves it to the dead-letter queue, renews the error (`table is paused by this file`).
  expect(fromCli).toMatchObject({
    table: 'orders',
    paused: true,
    heldFiles: 1,
    lastError: { kind: 'poison' },
  });
  for (const t of [fromService, fromCli])
    expect(t?.lastError?.message).toMatch(
      /^shop\/orders\/20240101-000002000\.parquet: .*not a readable Parquet file/,
    );

  const text = await runCli(config, ['status']);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^orders: 1 file\(s\) held until it resumes, oldest from \d{4}-/m);
  expect(text.stdout).toMatch(
    /^orders: last error at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(poison\): shop\/orders\/20240101-000002000\.parquet: /m,
  );
}, 240_000);
