// BatchLoader against the local stack for the loader tests: an isolated target (bucket, queue,
// databases), its prepared control tables, a session pool, and `put`, which uploads a file and
// returns it as the PendingFile an S3 event for it would give.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { pino, type Logger } from 'pino';
import type { Config } from '../../src/config.js';
import type { WriterFence } from '../../src/control/claim-sql.js';
import { SessionPool, type SessionSource } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import { pendingFileOf, type PendingFile } from '../../src/ingest/pending-file.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { tableLayout } from '../../src/schema/table-ddl.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { dropTargetDatabases, testTarget, type TestTarget } from './pipeline.js';
import { connect, s3 } from './stack.js';

export interface LoaderFixture {
  readonly target: TestTarget;
  readonly pool: SessionPool;
  readonly s3: S3Client;
  readonly conn: Connection;
  /** A loader on the fixture's pool; retries do not wait. */
  newLoader(options?: TestLoaderOptions): BatchLoader;
  put(key: string, body: Buffer | string): Promise<PendingFile>;
  /** The first value of the first row, as text. */
  scalar(sql: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestLoaderOptions {
  s3?: S3Client;
  events?: PipelineEvents;
  logger?: Logger;
  schemas?: TableSchemas;
  /** Sessions to load through instead of the given pool (e.g. one that records SQL). */
  pool?: SessionSource;
  writer?: () => WriterFence | undefined;
  awaitWriter?: () => Promise<WriterFence | undefined>;
}

/** The service's BatchLoader as tests build it: silent, and retries do not wait. */
export function testBatchLoader(
  config: Config,
  pool: SessionSource,
  s3Client: S3Client,
  options: TestLoaderOptions = {},
): BatchLoader {
  return new BatchLoader({
    config,
    pool: options.pool ?? pool,
    s3: options.s3 ?? s3Client,
    schemas: options.schemas ?? new TableSchemas(tableLayout(config.dms)),
    events: options.events ?? new PipelineEvents(),
    logger: options.logger ?? pino({ level: 'silent' }),
    sleep: () => Promise.resolve(),
    ...(options.writer === undefined ? {} : { writer: options.writer }),
    ...(options.awaitWriter === undefined ? {} : { awaitWriter: options.awaitWriter }),
  });
}

/** Uploads a file into the configuration's bucket; returns the PendingFile its S3 event gives. */
export async function putPending(
  s3Client: S3Client,
  config: Config,
  key: string,
  body: Buffer | string,
): Promise<PendingFile> {
  const response = await s3Client.send(
    new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: body }),
  );
  const routed = pendingFileOf(config, {
    bucket: config.s3.bucket,
    key,
    etag: (response.ETag ?? '').replace(/"/g, ''),
    size: Buffer.byteLength(body),
    eventTime: new Date(),
    eventName: 'ObjectCreated:Put',
  });
  if (!routed.ok) throw new Error(routed.reason);
  return routed.file;
}

export async function loaderFixture(
  name: string,
  tables: Record<string, unknown>,
): Promise<LoaderFixture> {
  const target = await testTarget(name, tables);
  const pool = new SessionPool(target.config.databend.dsn);
  const client = s3();
  const conn = await connect();
  await prepareDatabend(pool, target.config);
  return {
    target,
    pool,
    s3: client,
    conn,
    newLoader: (options = {}) => testBatchLoader(target.config, pool, client, options),
    put: (key, body) => putPending(client, target.config, key, body),
    scalar: async (sql) => String((await conn.queryRow(sql))?.values()[0]),
    close: async () => {
      await dropTargetDatabases(conn, target.config);
      await conn.close();
      await pool.close();
      client.destroy();
    },
  };
}
