// Rows no ODS can take: a NULL primary-key value or an Op other than I/U/D poisons its file alone.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import { parseKey } from '../../src/ingest/key-layout.js';
import { fileId, pendingFile, type PendingFile } from '../../src/ingest/pending-file.js';
import { routeTable } from '../../src/ingest/table-routes.js';
import { prepareDatabend } from '../../src/merge/prepare.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { cdcFile, TS } from '../support/bad-input/parquet.js';
import { testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3 } from '../support/stack.js';

let target: TestTarget;
let pool: SessionPool;
let client: S3Client;
let conn: Connection;
let loader: BatchLoader;

beforeAll(async () => {
  target = await testTarget('invalidrows', {
    'shop.keyed': { primaryKey: ['id'] },
  });
  pool = new SessionPool(target.config.databend.dsn);
  client = s3();
  conn = await connect();
  await prepareDatabend(pool, target.config);
  loader = new BatchLoader({
    config: target.config,
    pool,
    s3: client,
    schemas: new TableSchemas({ opColumn: 'Op', timestampColumn: TS }),
    events: new PipelineEvents(),
    logger: pino({ level: 'silent' }),
    sleep: () => Promise.resolve(),
  });
});

afterAll(async () => {
  const { databend } = target.config;
  for (const db of [databend.rawDatabase, databend.odsDatabase, databend.controlDatabase])
    await conn.exec(`DROP DATABASE IF EXISTS ${db}`);
  await conn.close();
  await pool.close();
  client.destroy();
});

async function put(key: string, body: Buffer): Promise<PendingFile> {
  const response = await client.send(
    new PutObjectCommand({ Bucket: target.pipe.bucket, Key: key, Body: body }),
  );
  const parsed = parseKey(key, { bucketFolder: '' });
  if (!parsed.ok) throw new Error(parsed.reason);
  return pendingFile(
    {
      bucket: target.pipe.bucket,
      key,
      etag: (response.ETag ?? '').replace(/"/g, ''),
      size: body.length,
      eventTime: new Date(),
      eventName: 'ObjectCreated:Put',
    },
    parsed.file,
    routeTable(target.config.tables, parsed.file.schema, parsed.file.table),
  );
}

async function scalar(sql: string): Promise<string> {
  return String((await conn.queryRow(sql))?.values()[0]);
}

describe('rows no ODS can take', () => {
  it('poisons a file with a NULL key or a bad Op, naming why, and loads the rest of its batch', async () => {
    const good = await put(
      'shop/keyed/20240101-000001000.parquet',
      cdcFile([{ op: 'I', id: 1, name: 'one' }], 1),
    );
    const nullKey = await put(
      'shop/keyed/20240101-000002000.parquet',
      cdcFile(
        [
          { op: 'I', id: 2, name: 'two' },
          { op: 'I', id: null, name: 'no key' },
        ],
        2,
      ),
    );
    const both = await put(
      'shop/keyed/20240101-000003000.parquet',
      cdcFile(
        [
          { op: 'X', id: 3, name: 'bad op' },
          { op: 'U', id: null, name: 'no key' },
        ],
        3,
      ),
    );
    const outcomes = await loader.load([good, nullKey, both]);
    expect([good, nullKey, both].map((f) => outcomes.get(fileId(f.ref)))).toEqual([
      { kind: 'done', rows: 1, reason: 'loaded' },
      { kind: 'poison', reason: '1 row(s) with a NULL in primary-key column(s) id' },
      {
        kind: 'poison',
        reason:
          '1 row(s) with an Op other than I, U or D; 1 row(s) with a NULL in primary-key column(s) id',
      },
    ]);
    const { rawDatabase, odsDatabase } = target.config.databend;
    expect(await scalar(`SELECT count(*)::STRING FROM ${odsDatabase}.keyed`)).toBe('1');
    expect(await scalar(`SELECT count(*)::STRING FROM ${rawDatabase}.keyed`)).toBe('1');
  });
});
