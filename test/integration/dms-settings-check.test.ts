// The DMS settings check in the running service: a table with many CDC files and never a delete,
// and full-load files without Op, each earn one warning (log line naming the setting, and the
// metric) per table; a table with deletes earns none.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualified, quoteString } from '../../src/databend/quote.js';
import { parquetBytes } from '../support/parquet.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { Replicator } from '../support/replicator.js';
import { countOf, logEntries, metricsUrl, sample } from '../support/schema-scenario.js';
import { waitFor } from '../support/wait.js';
import { connect, s3 } from '../support/stack.js';

const TS = '_dms_ingestion_timestamp';

let conn: Connection;
let client: S3Client;
let target: TestTarget;
let replicator: Replicator;
let metrics: string;

async function put(key: string, op: string | null, ids: number[]): Promise<void> {
  const columns: [string, 'string' | 'int64'][] = [
    ...(op === null ? [] : [['Op', 'string'] as [string, 'string']]),
    [TS, 'string'],
    ['id', 'int64'],
  ];
  const rows = ids.map((id) => ({ Op: op, [TS]: '2024-01-01 00:00:01', id }));
  await client.send(
    new PutObjectCommand({
      Bucket: target.pipe.bucket,
      Key: key,
      Body: parquetBytes(columns, rows),
    }),
  );
}

const cdc = (table: string, n: number) =>
  `shop/${table}/20240101-0000${String(n).padStart(2, '0')}000.parquet`;

async function loaded(table: string): Promise<number> {
  return countOf(
    conn,
    `${qualified(target.config.databend.controlDatabase, 'files')} WHERE table_name = ${quoteString(table)}`,
  ).catch(() => 0);
}

async function warnings(table: string, setting: string): Promise<number | undefined> {
  return sample(
    await (await fetch(metrics)).text(),
    'bend_replicator_dms_settings_warnings_total',
    { table, setting },
  );
}

beforeAll(async () => {
  conn = await connect();
  client = s3();
  target = await testTarget(
    'dmscheck',
    { 'shop.*': { primaryKey: ['id'] } },
    { dms: { warnNoDeletesAfterCdcFiles: 3 }, logLevel: 'info' },
  );
  replicator = new Replicator(target.config);
  replicator.start();
  metrics = await metricsUrl(replicator);
});

afterAll(async () => {
  await replicator.stop();
  await dropTargetDatabases(conn, target.config);
  await conn.close();
  client.destroy();
});

describe('the DMS settings check', () => {
  it(
    'warns once per table and setting, naming the setting, and counts it',
    { timeout: 240_000 },
    async () => {
      await put('shop/noop/LOAD00000001.parquet', null, [1, 2]);
      for (let n = 1; n <= 3; n++) await put(cdc('noop', n), 'U', [n]);
      await put('shop/deletes/LOAD00000001.parquet', 'I', [1, 2]);
      await put(cdc('deletes', 1), 'D', [1]);
      // Exactly as many CDC files as the threshold: the delete counts in whatever order they load.
      for (let n = 2; n <= 3; n++) await put(cdc('deletes', n), 'U', [2]);
      await waitFor('every file loaded', async () =>
        (await loaded('noop')) === 4 && (await loaded('deletes')) === 4 ? true : undefined,
      );
      // More CDC files without a delete: no second warning.
      for (let n = 4; n <= 5; n++) await put(cdc('noop', n), 'I', [10 + n]);
      await waitFor('the later files loaded', async () =>
        (await loaded('noop')) === 6 ? true : undefined,
      );

      const lines = logEntries(replicator, /CdcInsertsAndUpdates|IncludeOpForFullLoad/).map(
        (e) => ({
          table: e.table,
          setting: e.setting,
          level: e.level,
        }),
      );
      expect(lines).toEqual(
        expect.arrayContaining([
          { table: 'noop', setting: 'IncludeOpForFullLoad', level: 'warn' },
          { table: 'noop', setting: 'CdcInsertsAndUpdates', level: 'warn' },
        ]),
      );
      expect(lines).toHaveLength(2);
      const [deletesLine] = logEntries(replicator, /not one delete/);
      expect(String(deletesLine?.msg)).toContain('CDC files of noop and not one delete (Op D)');

      expect(await warnings('noop', 'CdcInsertsAndUpdates')).toBe(1);
      expect(await warnings('noop', 'IncludeOpForFullLoad')).toBe(1);
      expect(await warnings('deletes', 'CdcInsertsAndUpdates')).toBeUndefined();
    },
  );
});
