// Access to the local stack from integration tests: endpoints, clients and per-test names.
import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Client, type Connection } from 'databend-driver';
import { createResources } from '../../stack/aws-resources.js';
import { readStackEnv, type StackEnv } from '../../stack/stack.js';

export interface LocalStack {
  dsn: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  queueUrl: string;
  dlqUrl: string;
  maxReceiveCount: number;
}

function required(env: StackEnv, key: string): string {
  const value = env[key];
  if (value === undefined || value === '')
    throw new Error(`.stack/env lacks ${key}: is the local stack up?`);
  return value;
}

export function loadStackEnv(): LocalStack {
  const env = readStackEnv();
  if (env === undefined)
    throw new Error('.stack/env not found: run `npm run stack:up` (vitest global setup does)');
  return {
    dsn: required(env, 'DATABEND_DSN'),
    endpoint: required(env, 'AWS_ENDPOINT_URL'),
    region: required(env, 'AWS_REGION'),
    accessKeyId: required(env, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: required(env, 'AWS_SECRET_ACCESS_KEY'),
    bucket: required(env, 'S3_BUCKET'),
    queueUrl: required(env, 'SQS_QUEUE_URL'),
    dlqUrl: required(env, 'SQS_DLQ_URL'),
    maxReceiveCount: Number(required(env, 'SQS_MAX_RECEIVE_COUNT')),
  };
}

export async function connect(stack: LocalStack = loadStackEnv()): Promise<Connection> {
  return new Client(stack.dsn).getConn();
}

export function s3(stack: LocalStack = loadStackEnv()): S3Client {
  return new S3Client({
    endpoint: stack.endpoint,
    region: stack.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.secretAccessKey },
  });
}

export function sqs(stack: LocalStack = loadStackEnv()): SQSClient {
  return new SQSClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.secretAccessKey },
  });
}

/**
 * Counts the requests a client sends for one command, e.g. 'GetObjectCommand': `count()` reads
 * it. For tests that assert how many calls the service makes.
 */
export function countRequests(
  client: S3Client | SQSClient,
  commandName: string,
): { count: () => number } {
  let count = 0;
  (client.middlewareStack as S3Client['middlewareStack']).add(
    (next, context) => (args) => {
      if (context.commandName === commandName) count++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { count: () => count };
}

/** A name no other test uses: tests share one engine and one bucket, never their objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** The Databend error code in a driver error message such as `QueryFailed: [1025]Unknown table`. */
export function errorCodeOf(error: unknown): number | undefined {
  const match = /\[(\d+)\]/.exec(error instanceof Error ? error.message : String(error));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export interface IsolatedPipe {
  bucket: string;
  queueUrl: string;
  dlqUrl: string;
  maxReceiveCount: number;
}

/** A bucket of its own whose notifications go to a queue (with a DLQ) of its own, for one test. */
export async function isolatedPipe(
  prefix: string,
  maxReceiveCount = 3,
  stack: LocalStack = loadStackEnv(),
  options: { removedEvents?: boolean } = {},
): Promise<IsolatedPipe> {
  const name = uniqueName(prefix).toLowerCase().replace(/_/g, '-');
  const created = await createResources(
    {
      endpoint: stack.endpoint,
      region: stack.region,
      accessKeyId: stack.accessKeyId,
      secretAccessKey: stack.secretAccessKey,
    },
    {
      bucket: name,
      queueName: name,
      dlqName: `${name}-dlq`,
      maxReceiveCount,
      visibilityTimeoutSeconds: 30,
      ...options,
    },
  );
  return { bucket: name, queueUrl: created.queueUrl, dlqUrl: created.dlqUrl, maxReceiveCount };
}
