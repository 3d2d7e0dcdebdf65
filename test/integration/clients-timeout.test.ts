// The service's S3 and SQS clients give up on a connection that went silent, instead of waiting for ever.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client, sqsClient } from '../../src/clients.js';
import type { Config } from '../../src/config.js';
import { FaultProxy } from '../chaos/fault-proxy.js';
import { testTarget } from '../support/pipeline.js';
import { loadStackEnv } from '../support/stack.js';

let proxy: FaultProxy;
let config: Config;
const timeouts = { connectMs: 1_000, s3SilenceMs: 300, sqsSilenceMarginMs: 300 };

beforeAll(async () => {
  const stack = loadStackEnv();
  process.env.AWS_ACCESS_KEY_ID ??= stack.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= stack.secretAccessKey;
  // Every connection through the proxy accepts bytes and never answers.
  proxy = new FaultProxy({
    name: 'silent',
    targetHost: '127.0.0.1',
    targetPort: Number(new URL(stack.endpoint).port),
    seed: 1,
    rates: { stall: 1, stallMs: 600_000 },
  });
  await proxy.start();
  const target = await testTarget('silent', {}, { sqs: { waitTimeSeconds: 0 } });
  config = {
    ...target.config,
    s3: { ...target.config.s3, endpoint: `http://127.0.0.1:${proxy.port}` },
    sqs: { ...target.config.sqs, endpoint: `http://127.0.0.1:${proxy.port}` },
  };
});

afterAll(async () => {
  await proxy.close();
});

describe('AWS clients on a silent connection', () => {
  it('S3 fails with a timeout after the SDK retries, not never', async () => {
    const s3 = s3Client(config, timeouts);
    const started = Date.now();
    await expect(s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket }))).rejects.toThrow(
      /timed out/,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(proxy.counts.stalled).toBeGreaterThanOrEqual(2);
    s3.destroy();
  });

  it('SQS fails with a timeout after the long poll plus the margin', async () => {
    const sqs = sqsClient(config, timeouts);
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: config.sqs.queueUrl, WaitTimeSeconds: 0 })),
    ).rejects.toThrow(/timed out/);
    sqs.destroy();
  });
});
