// Liveness against the real stack: the service as a child process, Databend reached through a
// relay the test controls. An idle service stays alive past the stall timeout; a batch whose
// Databend connection swallows every byte (a statement timeout far longer than the stall
// timeout) makes /healthz fail within the stall timeout, naming the batch.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { freePort } from '../../stack/processes.js';
import { FaultProxy } from '../chaos/fault-proxy.js';
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
const STALL_TIMEOUT_MS = 3_000;

let proxy: FaultProxy;
let config: Config;
let conn: Connection;
let s3Client: S3Client;
let replicator: Replicator;
let url: string;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function healthz(): Promise<{ status: number; body: { alive: boolean; reason?: string } }> {
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as { alive: boolean } };
}

async function put(key: string, id: number): Promise<void> {
  const body = parquetBytes(CDC, [{ Op: 'I', [TS]: '2024-01-01 00:00:01', id }]);
  await s3Client.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: body }));
}

beforeAll(async () => {
  const target = await testTarget(
    'liveness',
    { 'shop.orders': { primaryKey: ['id'] } },
    {
      logLevel: 'info',
    },
  );
  const dsn = new URL(target.config.databend.dsn.replace(/^databend:/, 'http:'));
  proxy = new FaultProxy({
    name: 'databend',
    targetHost: dsn.hostname,
    targetPort: Number(dsn.port),
    seed: 11,
  });
  await proxy.start();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  config = {
    ...target.config,
    databend: {
      ...target.config.databend,
      dsn: target.config.databend.dsn.replace(`:${dsn.port}/`, `:${proxy.port}/`),
      // Far longer than the stall timeout: only the watchdog can notice the hung batch.
      statementTimeoutMs: 600_000,
    },
    http: { host: '127.0.0.1', port },
    liveness: { stallTimeoutMs: STALL_TIMEOUT_MS },
  };
  conn = await connect();
  s3Client = s3();
  replicator = new Replicator(config);
  replicator.start();
  await replicator.waitForLog(/bend-replicator is running/, 60_000);
}, 90_000);

afterAll(async () => {
  await replicator.stop('SIGKILL');
  await proxy.close();
  await dropTargetDatabases(conn, config);
  await conn.close();
});

it('stays alive while idle, and fails within the stall timeout when a batch hangs', async () => {
  // A first file loads normally (the table's owner and schema are then known).
  await put('shop/orders/20240101-000001000.parquet', 1);
  await replicator.waitForLog(
    /"table":"orders".*batch committed|batch committed.*"table":"orders"/,
    60_000,
  );

  // Idle, well past the stall timeout: nothing has work in hand, so nothing is stalled.
  await sleep(STALL_TIMEOUT_MS * 2);
  expect(await healthz()).toEqual({ status: 200, body: { alive: true } });

  // From now on Databend swallows every byte: the open connections are cut, new ones hang.
  proxy.setRates({ stall: 1, stallMs: 600_000 });
  proxy.outage(100);
  await sleep(200);
  await put('shop/orders/20240101-000002000.parquet', 2);

  const started = Date.now();
  let last = await healthz();
  while (last.status === 200 && Date.now() - started < 30_000) {
    await sleep(250);
    last = await healthz();
  }
  expect(last.status).toBe(503);
  expect(last.body.alive).toBe(false);
  expect(last.body.reason).toMatch(/batch of orders: no progress for \d+ s/);
  // Within the stall timeout of the batch starting (plus delivery, batching and the poll).
  expect(Date.now() - started).toBeLessThan(STALL_TIMEOUT_MS + 15_000);
}, 120_000);
