// Start-up refuses a queue SQS says does not exist, naming the setting, instead of warning for
// ever; SQS not answering at start-up is left to the poll loop.
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { replicationLoop } from '../../src/cli/replication-loop.js';
import { FaultProxy } from '../chaos/fault-proxy.js';
import { testTarget } from '../support/pipeline.js';
import { loadStackEnv, s3 as s3Client, sqs as sqsClient } from '../support/stack.js';

describe('replication loop start-up', () => {
  it('fails naming sqs.queueUrl when the queue does not exist', async () => {
    const { config: base } = await testTarget('noqueue', {});
    const queueUrl = base.sqs.queueUrl.replace(/[^/]+$/, 'no-such-queue');
    const config = { ...base, sqs: { ...base.sqs, queueUrl } };
    const pool = new SessionPool(config.databend.dsn);
    const s3 = s3Client();
    const sqs = sqsClient();
    const loop = replicationLoop({
      config,
      logger: pino({ level: 'silent' }),
      events: new PipelineEvents(),
      pool,
      s3,
      sqs,
    });
    try {
      await expect(loop.start()).rejects.toThrow(
        `sqs.queueUrl (env SQS_QUEUE_URL): cannot read the queue ${queueUrl}: The specified queue does not exist`,
      );
    } finally {
      await pool.close();
      s3.destroy();
      sqs.destroy();
    }
  });

  it('starts when SQS does not answer, leaving it to the poll loop', async () => {
    const stack = loadStackEnv();
    const { config } = await testTarget('sqsaway', {});
    const proxy = new FaultProxy({
      name: 'sqs',
      targetHost: '127.0.0.1',
      targetPort: Number(new URL(stack.endpoint).port),
      seed: 1,
    });
    await proxy.start();
    proxy.outage(60_000);
    const pool = new SessionPool(config.databend.dsn);
    const s3 = s3Client();
    const sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${proxy.port}`,
      region: stack.region,
      credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.secretAccessKey },
      maxAttempts: 1,
    });
    const warnings: string[] = [];
    const loop = replicationLoop({
      config,
      logger: pino(
        { level: 'warn' },
        {
          write: (line: string) => warnings.push(String((JSON.parse(line) as { msg: string }).msg)),
        },
      ),
      events: new PipelineEvents(),
      pool,
      s3,
      sqs,
    });
    try {
      await loop.start();
      expect(warnings).toContain('SQS did not answer at start-up; polling will retry');
      expect(proxy.counts.refused).toBeGreaterThan(0);
    } finally {
      await loop.stop(AbortSignal.timeout(1_000));
      await pool.close();
      await proxy.close();
      s3.destroy();
      sqs.destroy();
    }
  });
});
