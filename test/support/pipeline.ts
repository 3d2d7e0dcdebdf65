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
  const pipe = await isolatedPipe(name, overrides.maxReceiveCount, loadStackEnv(), {
    removedEvents: overrides.removedEvents ?? false,
  });
  const config = testConfig(
    { name, bucket: pipe.bucket, queueUrl: pipe.queueUrl },
    {
      sqs: overrides.sqs,
      dms: overrides.dms,
      tables: { byName: tables },
      batching: overrides.batching,
      poison: overrides.poison,
      replicas: overrides.replicas,
      log: { level: overrides.logLevel ?? 'warn' },
    },
  );
  return { config, pipe };
}

/** Where a test's service finds its dependencies; unset parts are the local stack's. */
export interface ConfigParts {
  /** Names the databases (`<name>_raw`, …) and the stage, made unique. */
  readonly name: string;
  readonly bucket: string;
  readonly bucketFolder?: string;
  readonly queueUrl: string;
  readonly dsn?: string;
  /** S3 and SQS as the service reaches them. */
  readonly awsEndpoint?: string;
  readonly region?: string;
  /** How Databend itself reads the bucket (the stage). */
  readonly stageConnection?: Record<string, string>;
}

type Section = Record<string, unknown> | undefined;

/**
 * A test service's configuration: each section of `sections` is laid over the defaults tests
 * use (short waits and batches, a lease that passes in seconds, port 0).
 */
export function testConfig(
  parts: ConfigParts,
  sections: Partial<
    Record<
      'sqs' | 'dms' | 'tables' | 'batching' | 'poison' | 'replicas' | 'shutdown' | 'log',
      Section
    >
  > = {},
): Config {
  const stack = loadStackEnv();
  const suffix = uniqueName(parts.name).toLowerCase();
  const aws = parts.awsEndpoint ?? stack.endpoint;
  const region = parts.region ?? stack.region;
  return parseConfig({
    databend: {
      dsn: parts.dsn ?? stack.dsn,
      rawDatabase: `${suffix}_raw`,
      odsDatabase: `${suffix}_ods`,
      controlDatabase: `${suffix}_control`,
      stageName: `${suffix}_stage`,
      stageConnection: parts.stageConnection ?? {
        endpoint_url: stack.endpoint,
        access_key_id: stack.accessKeyId,
        secret_access_key: stack.secretAccessKey,
        region: stack.region,
      },
    },
    s3: {
      bucket: parts.bucket,
      ...(parts.bucketFolder === undefined ? {} : { bucketFolder: parts.bucketFolder }),
      region,
      endpoint: aws,
      forcePathStyle: true,
    },
    sqs: {
      queueUrl: parts.queueUrl,
      endpoint: aws,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
      visibilityHeartbeatSeconds: 10,
      retryBackoffSeconds: 1,
      ...sections.sqs,
    },
    dms: sections.dms ?? {},
    tables: sections.tables ?? {},
    batching: { maxWaitMs: 100, ...sections.batching },
    poison: sections.poison ?? {},
    http: { port: 0 },
    retention: {},
    maintenance: {},
    sweep: {},
    shutdown: sections.shutdown ?? {},
    // Short, so a test that kills a replica sees the next one take over within seconds.
    replicas: { leaseTtlMs: 4_000, renewIntervalMs: 1_000, ...sections.replicas },
    log: { level: 'warn', ...sections.log },
  });
}

/** Drops the raw, ODS and control databases of a test's configuration. */
export async function dropTargetDatabases(conn: Connection, config: Config): Promise<void> {
  const { databend } = config;
  for (const db of [databend.rawDatabase, databend.odsDatabase, databend.controlDatabase])
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
}
