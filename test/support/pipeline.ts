// A replicator configuration for one test: its own bucket, queue, databases and stage on the local stack.
import type { Connection } from 'databend-driver';
import { parseConfig, type Config } from '../../src/config.js';
import { quoteIdent } from '../../src/databend/quote.js';
import { isolatedPipe, loadStackEnv, uniqueName, type IsolatedPipe } from './stack.js';

export interface TestTarget {
  readonly config: Config;
  readonly pipe: IsolatedPipe;
}

export async function testTarget(
  name: string,
  tables: Record<string, unknown> = {},
  overrides: {
    dms?: Record<string, unknown>;
    batching?: Record<string, unknown>;
    poison?: Record<string, unknown>;
    sqs?: Record<string, unknown>;
    replicas?: Record<string, unknown>;
    logLevel?: string;
    /** Receives before SQS moves a message to the DLQ (default 3). */
    maxReceiveCount?: number;
    /** The bucket also sends ObjectRemoved events to the queue. */
    removedEvents?: boolean;
  } = {},
): Promise<TestTarget> {
  const stack = loadStackEnv();
  const pipe = await isolatedPipe(name, overrides.maxReceiveCount, loadStackEnv(), {
    removedEvents: overrides.removedEvents ?? false,
  });
  const suffix = uniqueName(name).toLowerCase();
  const config = parseConfig({
    databend: {
      dsn: stack.dsn,
      rawDatabase: `${suffix}_raw`,
      odsDatabase: `${suffix}_ods`,
      controlDatabase: `${suffix}_control`,
      stageName: `${suffix}_stage`,
      stageConnection: {
        endpoint_url: stack.endpoint,
        access_key_id: stack.accessKeyId,
        secret_access_key: stack.secretAccessKey,
        region: stack.region,
      },
    },
    s3: {
      bucket: pipe.bucket,
      region: stack.region,
      endpoint: stack.endpoint,
      forcePathStyle: true,
    },
    sqs: {
      queueUrl: pipe.queueUrl,
      endpoint: stack.endpoint,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
      visibilityHeartbeatSeconds: 10,
      retryBackoffSeconds: 1,
      ...overrides.sqs,
    },
    dms: overrides.dms ?? {},
    tables: { byName: tables },
    batching: { maxWaitMs: 100, ...overrides.batching },
    poison: overrides.poison ?? {},
    http: { port: 0 },
    retention: {},
    sweep: {},
    shutdown: {},
    // Short, so a test that kills a replica sees the next one take over within seconds.
    replicas: { leaseTtlMs: 4_000, renewIntervalMs: 1_000, ...overrides.replicas },
    log: { level: overrides.logLevel ?? 'warn' },
  });
  return { config, pipe };
}

/** Drops the raw, ODS and control databases of a test's configuration. */
export async function dropTargetDatabases(conn: Connection, config: Config): Promise<void> {
  const { databend } = config;
  for (const db of [databend.rawDatabase, databend.odsDatabase, databend.controlDatabase])
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
}
