// A table no primary key is configured for loads to raw only: counted every batch, warned once.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { pino } from 'pino';
import type { TableRawOnly } from '../../src/events.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import { parseKey } from '../../src/ingest/key-layout.js';
import { fileId, pendingFile, type PendingFile } from '../../src/ingest/pending-file.js';
import { routeTable } from '../../src/ingest/table-routes.js';
import { prepareDatabend } from '../../src/merge/prepare.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { goodFile, TS } from '../support/bad-input/parquet.js';
import { testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3 } from '../support/stack.js';

let target: TestTarget;
let pool: SessionPool;
let client: S3Client;
let conn: Connection;
let loader: BatchLoader;
const warnings: string[] = [];
const rawOnly: TableRawOnly[] = [];

const events = new PipelineEvents();
events.on('table:raw-only', (e) => rawOnly.push(e));

beforeAll(async () => {
  target = await testTarget('rawonly', { 'shop.keyed': { primaryKey: ['id'] } });
  pool = new SessionPool(target.config.databend.dsn);
  client = s3();
  conn = await connect();
  await prepareDatabend(pool, target.config);
  loader = new BatchLoader({
    config: target.config,
    pool,
    s3: client,
    schemas: new TableSchemas({ opColumn: 'Op', timestampColumn: TS }),
    events,
    logger: pino(
      { level: 'warn' },
      { write: (line: string) => warnings.push(String((JSON.parse(line) as { msg: string }).msg)) },
    ),
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

describe('a table without a primary key', () => {
  it('loads to raw only with a reason, counts every batch and warns once', async () => {
    const first = await put('audit/events/20240101-000001000.parquet', goodFile(2, 1, 1));
    const second = await put('audit/events/20240101-000002000.parquet', goodFile(3, 10, 2));
    const reason = 'loaded to raw only: no primary key is configured for audit.events';
    expect((await loader.load([first])).get(fileId(first.ref))).toEqual({
      kind: 'done',
      rows: 2,
      reason,
    });
    expect((await loader.load([second])).get(fileId(second.ref))).toEqual({
      kind: 'done',
      rows: 3,
      reason,
    });
    expect(rawOnly).toEqual([
      { table: 'events', source: 'audit.events', files: 1 },
      { table: 'events', source: 'audit.events', files: 1 },
    ]);
    expect(warnings.filter((w) => w.startsWith('no primary key configured'))).toEqual([
      'no primary key configured: audit.events loads to raw only, without ODS; set tables.byName["audit.events"].primaryKey (then `replay` builds its ODS from raw)',
    ]);
    const { rawDatabase, odsDatabase } = target.config.databend;
    expect(await scalar(`SELECT count(*)::STRING FROM ${rawDatabase}.events`)).toBe('5');
    expect(
      await scalar(
        `SELECT count(*)::STRING FROM system.tables WHERE database = '${odsDatabase}' AND name = 'events'`,
      ),
    ).toBe('0');
  });
});
