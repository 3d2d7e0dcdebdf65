// Pieces of a chaos run that need no run state: the service's configuration, proxy counts, the DLQ.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TableDef } from '../../sim/index.js';
import { type Config } from '../../src/config.js';
import { testConfig } from '../support/pipeline.js';
import { tableSettings } from '../support/replicator.js';
import { type LocalStack } from '../support/stack.js';
import type { FaultCounts } from './fault-proxy.js';

/** The service's configuration for one run: Databend and S3/SQS through the proxies. */
export function runConfig(
  stack: LocalStack,
  ports: { readonly databend: number; readonly aws: number },
  seed: number,
  pipe: { readonly bucket: string; readonly queueUrl: string },
  tables: readonly TableDef[],
): Config {
  const aws = `http://127.0.0.1:${ports.aws}`;
  return testConfig(
    {
      name: `chaos${seed}`,
      bucket: pipe.bucket,
      queueUrl: pipe.queueUrl,
      dsn: `databend://root:@127.0.0.1:${ports.databend}/?sslmode=disable`,
      awsEndpoint: aws,
      region: stack.region,
      // Databend itself reads the files from S3 directly, not through the proxy.
      stageConnection: {
        endpoint_url: stack.endpoint,
        access_key_id: stack.accessKeyId,
        secret_access_key: stack.secretAccessKey,
        region: stack.region,
      },
    },
    {
      sqs: { visibilityTimeoutSeconds: 10, visibilityHeartbeatSeconds: 3 },
      tables: { byName: tableSettings(tables) },
      batching: { maxFiles: 10 },
      shutdown: { deadlineMs: 10_000 },
      // Short: a killed holder's successor takes over within seconds.
      replicas: { leaseTtlMs: 6_000 },
      log: { level: 'debug' },
    },
  );
}

/** What a proxy did during one run. */
export function countsSince(now: FaultCounts, before: FaultCounts): FaultCounts {
  return {
    connections: now.connections - before.connections,
    dropped: now.dropped - before.dropped,
    reset: now.reset - before.reset,
    stalled: now.stalled - before.stalled,
    delayed: now.delayed - before.delayed,
    refused: now.refused - before.refused,
    bytes: now.bytes - before.bytes,
  };
}

/** Messages in the dead-letter queue, visible or not. */
export async function deadLettered(sqs: SQSClient, dlqUrl: string): Promise<number> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
