// The aged deployment as a service target: a fresh queue of its own (from benchTarget), but the
// aged databases and the aged bucket, whose ledger rows name it. Cleaning up keeps the databases
// for the next run and empties the bucket.
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../test/support/stack.js';
import type { Table } from '../../sim/index.js';
import { benchTarget, emptyBucket, type BenchTarget } from '../harness/target.js';
import type { AgedNames } from './aged-data.js';

export async function agedTarget(
  stack: LocalStack,
  s3: S3Client,
  tables: readonly Table[],
  maxWaitMs: number,
  aged: AgedNames,
): Promise<BenchTarget> {
  const fresh = await benchTarget('bench_aged', tables, { maxWaitMs });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: aged.bucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists))
      throw error;
  }
  await emptyBucket(s3, aged.bucket);
  const sqs = new SQSClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.secretAccessKey },
  });
  try {
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: fresh.config.sqs.queueUrl,
        AttributeNames: ['QueueArn'],
      }),
    );
    const arn = attrs.Attributes?.QueueArn;
    if (arn === undefined) throw new Error('the run’s queue has no ARN');
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: aged.bucket,
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: arn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    );
  } finally {
    sqs.destroy();
  }
  const config = {
    ...fresh.config,
    databend: {
      ...fresh.config.databend,
      rawDatabase: aged.rawDatabase,
      odsDatabase: aged.odsDatabase,
      controlDatabase: aged.controlDatabase,
    },
    s3: { ...fresh.config.s3, bucket: aged.bucket },
  };
  return {
    config,
    bucket: aged.bucket,
    cleanup: async (conn, client) => {
      await emptyBucket(client, aged.bucket);
      // The fresh target's databases were never created; its bucket is empty.
      await fresh.cleanup(conn, client);
    },
  };
}
