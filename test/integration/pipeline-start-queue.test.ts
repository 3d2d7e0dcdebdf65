// Start-up refuses a queue it cannot read, naming the setting, instead of warning forever.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { Pipeline } from '../../src/ingest/pipeline.js';
import { testTarget } from '../support/pipeline.js';
import { s3 as s3Client, sqs as sqsClient } from '../support/stack.js';

describe('pipeline start-up', () => {
  it('fails naming sqs.queueUrl when the queue does not exist', async () => {
    const { config: base } = await testTarget('noqueue', {});
    const queueUrl = base.sqs.queueUrl.replace(/[^/]+$/, 'no-such-queue');
    const config = { ...base, sqs: { ...base.sqs, queueUrl } };
    const pool = new SessionPool(config.databend.dsn);
    const s3 = s3Client();
    const sqs = sqsClient();
    const pipeline = new Pipeline({
      config,
      logger: pino({ level: 'silent' }),
      events: new PipelineEvents(),
      pool,
      s3,
      sqs,
    });
    try {
      await expect(pipeline.start()).rejects.toThrow(
        `sqs.queueUrl (env SQS_QUEUE_URL): cannot read the queue ${queueUrl}: The specified queue does not exist`,
      );
    } finally {
      await pool.close();
      s3.destroy();
      sqs.destroy();
    }
  });
});
