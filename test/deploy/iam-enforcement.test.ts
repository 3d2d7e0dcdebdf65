// The shipped IAM policies, exactly as written, in moto with IAM enforcement on: `validate`,
// `backfill --dry-run` and the service run as a user holding only deploy/iam/replicator-policy.json,
// and Databend's stage reads with keys holding only deploy/iam/databend-stage-read-policy.json.
// Every call they make is allowed; calls they do not need are denied. The names in the policies
// (bucket acme-dms-changes, folder mysql-prod, queue acme-dms-changes and its -dlq, eu-west-1,
// account 123456789012) are the names created here, so no policy is edited for the test.
import { readFileSync } from 'node:fs';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config } from '../../src/config.js';
import { quoteIdent } from '../../src/databend/quote.js';
import { configFile, spawnReplicator } from '../support/spawn-replicator.js';
import { startMotoIam, type IamUser, type MotoIam } from '../support/moto-iam.js';
import { parquetBytes } from '../support/parquet.js';
import { connect } from '../support/stack.js';
import { dropTargetDatabases, testConfig } from '../support/pipeline.js';

const REGION = 'eu-west-1';
const BUCKET = 'acme-dms-changes';
const FOLDER = 'mysql-prod';
const KEY = `${FOLDER}/shop/orders/LOAD00000001.parquet`;
const policy = (file: string): unknown => JSON.parse(readFileSync(`deploy/iam/${file}`, 'utf8'));
/** The service policy as it shipped before: ListBucket only under the DMS prefix. */
function withPrefixConditionedList(): unknown {
  const shipped = policy('replicator-policy.json') as { Statement: Record<string, unknown>[] };
  return {
    ...shipped,
    Statement: shipped.Statement.map((s) =>
      s.Action === 's3:ListBucket'
        ? { ...s, Condition: { StringLike: { 's3:prefix': [`${FOLDER}/*`] } } }
        : s,
    ),
  };
}

let moto: MotoIam;
let conn: Connection;
let config: Config;
let queueUrl: string;
let dlqUrl: string;

const s3As = (user: IamUser | undefined): S3Client =>
  new S3Client({
    endpoint: moto.endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: keys(user),
  });
const sqsAs = (user: IamUser | undefined): SQSClient =>
  new SQSClient({ endpoint: moto.endpoint, region: REGION, credentials: keys(user) });
function keys(user: IamUser | undefined): { accessKeyId: string; secretAccessKey: string } {
  if (user === undefined) throw new Error('no such IAM user');
  return { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
}

/** Resolves to 'allowed', or to the error's name ('AccessDenied', …). */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'allowed';
  } catch (error) {
    const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return e.$metadata?.httpStatusCode === 403 ? 'denied' : `${e.name ?? 'error'}`;
  }
}

beforeAll(async () => {
  moto = await startMotoIam({
    admin: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    service: policy('replicator-policy.json'),
    stage: policy('databend-stage-read-policy.json'),
    'service-before': withPrefixConditionedList(),
  });
  const s3 = s3As(moto.users.admin);
  const sqs = sqsAs(moto.users.admin);
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${BUCKET}-dlq` }))).QueueUrl ?? '';
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: BUCKET }))).QueueUrl ?? '';
  const dlqArn = `arn:aws:sqs:${REGION}:123456789012:${BUCKET}-dlq`;
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  const arn = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: arn.Attributes?.QueueArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `${FOLDER}/` }] } },
          },
        ],
      },
    }),
  );

  config = testConfig(
    {
      name: 'iam',
      bucket: BUCKET,
      bucketFolder: FOLDER,
      queueUrl,
      awsEndpoint: moto.endpoint,
      region: REGION,
      stageConnection: {
        endpoint_url: moto.endpoint,
        region: REGION,
        access_key_id: moto.users.stage?.accessKeyId ?? '',
        secret_access_key: moto.users.stage?.secretAccessKey ?? '',
      },
    },
    {
      tables: { byName: { 'shop.orders': { primaryKey: ['id'] } } },
      log: { level: 'info' },
    },
  );
  conn = await connect();
}, 120_000);

afterAll(async () => {
  await dropTargetDatabases(conn, config);
  await conn.close();
  await moto.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** bend-replicator as the IAM user `service`, nothing else in its environment. */
function runAsService(args: string[], until?: () => Promise<boolean>): Promise<Run> {
  const child = spawnReplicator(configFile(config, 'iam-config-'), args, {
    AWS_ACCESS_KEY_ID: moto.users.service?.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.users.service?.secretAccessKey,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // One SIGTERM: a second one would force the exit (128 + 15) before the graceful stop ends.
  let stopping = false;
  const watch = setInterval(() => {
    void until?.().then((done) => {
      if (!done || stopping || child.exitCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
    });
  }, 500);
  const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearInterval(watch);
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Messages waiting or in flight. */
async function depth(url: string): Promise<number> {
  const { Attributes: a = {} } = await sqsAs(moto.users.admin).send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

async function odsRows(): Promise<number> {
  try {
    const row = await conn.queryRow(
      `SELECT count(*) FROM ${quoteIdent(config.databend.odsDatabase)}.${quoteIdent('orders')}`,
    );
    return Number(row?.values()[0] ?? 0);
  } catch {
    return 0;
  }
}

describe('IAM policies under enforcement', () => {
  it('let validate pass every check, the stage included', async () => {
    await s3As(moto.users.admin).send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: KEY,
        Body: parquetBytes(
          [
            ['_dms_ingestion_timestamp', 'string'],
            ['id', 'int64'],
            ['name', 'string'],
          ],
          [
            { _dms_ingestion_timestamp: '2024-06-12 10:00:00.000000', id: 1, name: 'ann' },
            { _dms_ingestion_timestamp: '2024-06-12 10:00:00.000000', id: 2, name: 'bob' },
          ],
        ),
      }),
    );
    const result = await runAsService(['validate']);
    expect(result.stdout, result.stderr).toContain('all checks passed');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok {4}dead-letter queue /m);
    expect(result.stdout).toMatch(/^ok {4}stage +Databend reads s3:\/\/acme-dms-changes\//m);
  });

  it('let backfill --dry-run list the DMS files', async () => {
    const result = await runAsService(['backfill', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(KEY);
  });

  it('let the service load the file announced on the queue, and stop cleanly', async () => {
    // On the queue: S3's test event (sent when the notification was configured) and the file's
    // ObjectCreated event. The service ignores the one and loads the other from there.
    expect(await depth(queueUrl)).toBe(2);
    const result = await runAsService(['run'], async () => (await odsRows()) === 2);
    expect(await odsRows()).toBe(2);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(/AccessDenied|not authorized/i);
    // Its message was deleted after the commit (a denied DeleteMessageBatch would leave it), and
    // nothing went to the dead-letter queue.
    expect(await depth(queueUrl)).toBe(0);
    expect(await depth(dlqUrl)).toBe(0);
  }, 120_000);

  it('deny the service what it does not need', async () => {
    const s3 = s3As(moto.users.service);
    const sqs = sqsAs(moto.users.service);
    expect(await outcome(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBe(
      'allowed',
    );
    expect(await outcome(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBe(
      'denied',
    );
    expect(
      await outcome(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${FOLDER}/x`, Body: 'x' })),
      ),
    ).toBe('denied');
    expect(
      await outcome(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' }))),
    ).toBe('denied');
    expect(await outcome(sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl })))).toBe('denied');
  });

  it('let the stage keys read the DMS files and nothing else', async () => {
    const s3 = s3As(moto.users.stage);
    expect(await outcome(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBe(
      'allowed',
    );
    expect(
      await outcome(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${FOLDER}/` }))),
    ).toBe('allowed');
    expect(
      await outcome(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'other/' }))),
    ).toBe('denied');
    expect(await outcome(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY })))).toBe(
      'denied',
    );
    expect(
      await outcome(
        sqsAs(moto.users.stage).send(new ReceiveMessageCommand({ QueueUrl: queueUrl })),
      ),
    ).toBe('denied');
  });

  it('refuse HeadBucket under the former prefix-conditioned ListBucket (why the condition went)', async () => {
    const s3 = s3As(moto.users['service-before']);
    expect(
      await outcome(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${FOLDER}/` }))),
    ).toBe('allowed');
    expect(await outcome(s3.send(new HeadBucketCommand({ Bucket: BUCKET })))).toBe('denied');
  });
});
