// `validate` against the local stack: every check passes on a set-up pipe, and each piece that is
// missing or wrong fails its own line.
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3, sqs, uniqueName } from '../support/stack.js';

let target: TestTarget;
let s3Client: S3Client;
let sqsClient: SQSClient;
let conn: Connection;

beforeAll(async () => {
  target = await testTarget('clivalidate');
  s3Client = s3();
  sqsClient = sqs();
  conn = await connect();
});

afterAll(async () => {
  await conn.close();
  s3Client.destroy();
  sqsClient.destroy();
});

function line(stdout: string, check: string): string | undefined {
  return stdout.split('\n').find((l) => new RegExp(`^(ok  |FAIL)  ${check}\\s{2}`).test(l));
}

describe('validate', () => {
  it('passes every check on a bucket that notifies a queue with a dead-letter queue', async () => {
    const { bucket, queueUrl } = target.pipe;
    await s3Client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'shop/orders/LOAD00000001.parquet', Body: 'x' }),
    );
    const queueName = queueUrl.split('/').at(-1) ?? '';

    const result = await runCli(target.config, ['validate']);

    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(line(out, 'config')).toMatch(/^ok {4}config\s+raw \S+_raw, ods \S+_ods, control/);
    expect(line(out, 'databend')).toMatch(/^ok {4}databend\s+Databend Query v\d/);
    expect(line(out, 'databend')).toContain('(1.2.892 or newer needed)');
    expect(line(out, 'queue')).toMatch(
      new RegExp(
        `^ok {4}queue\\s+arn:aws:sqs:\\S+:${queueName}; maxReceiveCount 3, dead-letter queue arn:aws:sqs:\\S+:${queueName}-dlq$`,
      ),
    );
    expect(line(out, 'dead-letter queue')).toMatch(/answers; 0 message\(s\) in it$/);
    expect(line(out, 'bucket')).toBe(`ok    bucket             s3://${bucket} answers`);
    expect(line(out, 'notifications')).toMatch(
      /^ok {4}notifications\s+s3:ObjectCreated:\* go to arn:aws:sqs:/,
    );
    expect(line(out, 'stage')).toMatch(
      new RegExp(
        `^ok {4}stage\\s+Databend reads s3://${bucket}/ \\(it lists shop/orders/LOAD00000001\\.parquet\\)$`,
      ),
    );
    expect(out.trimEnd().split('\n').at(-1)).toBe('all checks passed');
    // The throw-away stage is gone; the service's own stage was never touched.
    const stages = await conn.queryAll(
      `SELECT name FROM system.stages WHERE name LIKE '${target.config.databend.stageName}%'`,
    );
    expect(stages).toEqual([]);
  });

  it('fails the queue without a redrive policy, a bucket without notifications and an unreachable stage', async () => {
    const name = uniqueName('bare').toLowerCase().replace(/_/g, '-');
    await s3Client.send(new CreateBucketCommand({ Bucket: name }));
    const queue = await sqsClient.send(new CreateQueueCommand({ QueueName: name }));
    const config: Config = {
      ...target.config,
      s3: { ...target.config.s3, bucket: name },
      sqs: { ...target.config.sqs, queueUrl: queue.QueueUrl ?? '' },
      databend: {
        ...target.config.databend,
        stageConnection: {
          ...target.config.databend.stageConnection,
          endpoint_url: 'http://127.0.0.1:1',
        },
      },
    };

    const result = await runCli(config, ['validate']);

    expect(result.code).toBe(1);
    const out = result.stdout;
    expect(line(out, 'databend')).toMatch(/^ok /);
    expect(line(out, 'queue')).toMatch(
      new RegExp(
        `^FAIL  queue\\s+arn:aws:sqs:\\S+:${name} has no redrive policy: a poison message would be received forever`,
      ),
    );
    expect(line(out, 'dead-letter queue')).toMatch(/^FAIL {2}dead-letter queue\s+none configured/);
    expect(line(out, 'bucket')).toMatch(/^ok /);
    expect(line(out, 'notifications')).toMatch(
      new RegExp(
        `^FAIL  notifications\\s+no ObjectCreated notification of the bucket goes to arn:aws:sqs:\\S+:${name}`,
      ),
    );
    expect(line(out, 'stage')).toMatch(/^FAIL {2}stage\s+.*Connection refused/);
    expect(line(out, 'targets')).toMatch(/^ok /);
    expect(out.trimEnd().split('\n').at(-1)).toBe('4 of 8 checks failed');
  });

  it('fails the configuration check, naming the field, when the configuration is invalid', async () => {
    const result = await runCli(
      { ...target.config, sqs: { ...target.config.sqs, queueUrl: 'not a url' } },
      ['validate'],
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      'FAIL  config  sqs.queueUrl (env SQS_QUEUE_URL): Invalid URL\n1 of 1 checks failed\n',
    );
  });
});
