// A Databend outage far longer than maxReceiveCount × backoff (scaled down: a 10 s visibility
// timeout, a 1 s retry backoff, maxReceiveCount 5) against the real stack: the service reaches
// Databend through a relay the test controls, which refuses every connection for 60 s while DMS
// files keep arriving. The service stops receiving, holds the messages it has (kept invisible by
// the heartbeat), shows the outage in dependency_up, and resumes by itself: ODS ends equal to
// the truth and the dead-letter queue stays empty.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { catalogTables } from '../../sim/index.js';
import { freePort } from '../../stack/processes.js';
import { FaultProxy } from '../chaos/fault-proxy.js';
import { dropTargetDatabases, testTarget } from '../support/pipeline.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../support/replicator.js';
import { connect, sqs, type IsolatedPipe } from '../support/stack.js';

const OUTAGE_MS = 60_000;

let proxy: FaultProxy;
let config: Config;
let pipe: IsolatedPipe;
let conn: Connection;
let sqsClient: SQSClient;
let metricsUrl: string;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function messagesIn(queueUrl: string): Promise<number> {
  const { Attributes: a = {} } = await sqsClient.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

async function databendUp(): Promise<number | undefined> {
  const body = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const line = body
    .split('\n')
    .find((l) => l.startsWith('bend_replicator_dependency_up{dependency="databend"}'));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  const tables = catalogTables('shop', 2);
  const target = await testTarget('outage', tableSettings(tables), {
    logLevel: 'info',
    maxReceiveCount: 5,
    sqs: { visibilityTimeoutSeconds: 10, visibilityHeartbeatSeconds: 3, retryBackoffSeconds: 1 },
    // A batch gives up within seconds, so without holding, each message would be received again
    // every few seconds and reach the DLQ well within the outage.
    batching: { maxAttempts: 2 },
    // Outlasts the outage: this replica stays the writer and holds its messages (an outage
    // longer than the lease is the lease's business: docs/deployment.md).
    replicas: { leaseTtlMs: 180_000, renewIntervalMs: 1_000 },
  });
  pipe = target.pipe;
  const dsn = new URL(target.config.databend.dsn.replace(/^databend:/, 'http:'));
  proxy = new FaultProxy({
    name: 'databend',
    targetHost: dsn.hostname,
    targetPort: Number(dsn.port),
    seed: 5,
  });
  await proxy.start();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  config = {
    ...target.config,
    databend: {
      ...target.config.databend,
      // The driver's own retries of a refused connection: 1 s apart instead of 10 s.
      dsn: `${target.config.databend.dsn.replace(`:${dsn.port}/`, `:${proxy.port}/`)}&retry_delay_secs=1`,
    },
    http: { host: '127.0.0.1', port },
    outage: { probeBackoffMs: 500, probeMaxBackoffMs: 2_000 },
  };
  conn = await connect();
  sqsClient = sqs();
});

afterAll(async () => {
  await proxy.close();
  await dropTargetDatabases(conn, config);
  await conn.close();
});

it('holds its messages through a long Databend outage and converges after it, with an empty DLQ', async () => {
  const source = await simulatedSource(
    pipe.bucket,
    {
      seed: 47,
      tables: catalogTables('shop', 2),
      durationSeconds: 20,
      transactionsPerSecond: 6,
      initialRows: 20,
    },
    { cdcMaxBatchInterval: 2 },
  );
  const files = source.simulation.files;
  const before = new Set(files.slice(0, Math.floor(files.length / 3)).map((f) => f.id));
  const replicator = new Replicator(config);
  replicator.start();
  try {
    await replicator.waitForLog(/bend-replicator is running/, 60_000);
    await source.deliver({}, (f) => before.has(f.id));
    await replicator.waitForLog(/batch committed/, 60_000);

    const outageStarted = Date.now();
    proxy.outage(OUTAGE_MS);
    await source.deliver({ intervalMs: 300 }, (f) => !before.has(f.id));
    await replicator.waitForLog(/receiving paused, messages in hand held/, 40_000);
    let sawDown = false;
    while (Date.now() - outageStarted < OUTAGE_MS - 2_000) {
      if ((await databendUp()) === 0) sawDown = true;
      // Nothing reaches the dead-letter queue while the outage lasts.
      expect(await messagesIn(pipe.dlqUrl)).toBe(0);
      await sleep(3_000);
    }
    expect(sawDown).toBe(true);

    await replicator.waitForLog(/every dependency answers again: receiving resumed/, 60_000);
    const result = await waitForConvergence(conn, source.simulation, config, 180_000);
    expect(result.report).toBe('all 2 tables equal');
    expect(await databendUp()).toBe(1);
    expect(await messagesIn(pipe.dlqUrl)).toBe(0);
    // The replica stayed the writer: what it held was never handed back to the queue.
    expect(replicator.log.some((l) => /no longer the active writer/.test(l))).toBe(false);
  } catch (error) {
    process.stderr.write(`${replicator.log.slice(-80).join('\n')}\n`);
    throw error;
  } finally {
    await replicator.stop();
  }
}, 420_000);
