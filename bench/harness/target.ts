// One isolated target per measured run: its own bucket and queue (notifications on), and its own
// raw, ODS and control databases and stage, with the service's production defaults except where a
// benchmark says otherwise. Cleaned up afterwards so repeated runs do not fill the stack.
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import type { Config } from '../../src/config.js';
import { quoteIdent } from '../../src/databend/quote.js';
import type { Table } from '../../sim/index.js';
import { testTarget } from '../../test/support/pipeline.js';

export interface BenchTarget {
  readonly config: Config;
  readonly bucket: string;
  readonly cleanup: (conn: Connection, s3: S3Client) => Promise<void>;
}

export interface TargetOptions {
  readonly maxFiles?: number;
  readonly tableConcurrency?: number;
  readonly maxWaitMs?: number;
  readonly leaseTtlMs?: number;
  /** SQS visibility timeout (300 s, as the service's default, unless set). */
  readonly visibilityTimeoutSeconds?: number;
  readonly renewIntervalMs?: number;
}

/** The service's batching and polling defaults (src/config.ts), written out so results show them. */
export const SERVICE_DEFAULTS = {
  batching: { maxFiles: 200, maxWaitMs: 50, tableConcurrency: 4 },
  sqs: { waitTimeSeconds: 20, maxMessagesPerReceive: 10 },
  replicas: { leaseTtlMs: 15_000, renewIntervalMs: 3_000 },
} as const;

export async function benchTarget(
  name: string,
  tables: readonly Table[],
  options: TargetOptions = {},
): Promise<BenchTarget> {
  const keys = Object.fromEntries(
    tables.map((t) => [`${t.schema}.${t.name}`, { primaryKey: [...t.primaryKey] }]),
  );
  const { config, pipe } = await testTarget(name, keys, {
    batching: {
      ...SERVICE_DEFAULTS.batching,
      ...(options.maxFiles === undefined ? {} : { maxFiles: options.maxFiles }),
      ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
      ...(options.tableConcurrency === undefined
        ? {}
        : { tableConcurrency: options.tableConcurrency }),
    },
    sqs: {
      ...SERVICE_DEFAULTS.sqs,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 300,
      visibilityHeartbeatSeconds: Math.min(60, (options.visibilityTimeoutSeconds ?? 300) / 3),
    },
    replicas: {
      leaseTtlMs: options.leaseTtlMs ?? SERVICE_DEFAULTS.replicas.leaseTtlMs,
      renewIntervalMs: options.renewIntervalMs ?? SERVICE_DEFAULTS.replicas.renewIntervalMs,
    },
    logLevel: 'info',
    maxReceiveCount: 5,
  });
  return {
    config,
    bucket: pipe.bucket,
    cleanup: async (conn, s3) => {
      const { rawDatabase, odsDatabase, controlDatabase } = config.databend;
      for (const db of [rawDatabase, odsDatabase, controlDatabase])
        await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
      await emptyBucket(s3, pipe.bucket);
    },
  };
}

/** Deletes every object, so the S3 stand-in does not keep the run's files in memory. */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).flatMap((o) =>
      o.Key === undefined ? [] : [{ Key: o.Key }],
    );
    if (keys.length === 0) return;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}
