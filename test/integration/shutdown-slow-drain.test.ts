// SIGTERM while a batch outlasts shutdown.deadlineMs (Databend stops answering in the middle of
// it): the one deadline cuts the drain short, the unfinished messages are made visible again
// before the process exits, it exits with 0, and the messages can be received at once — not
// after their 30 s visibility timeout.
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { catalogTables } from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { proxyFor, type FaultProxy } from '../chaos/fault-proxy.js';
import { dropTargetDatabases, testTarget } from '../support/pipeline.js';
import { Replicator, simulatedSource, tableSettings } from '../support/replicator.js';
import { waitFor } from '../support/wait.js';
import { connect, loadStackEnv, sqs } from '../support/stack.js';

const DEADLINE_MS = 1_500;
let conn: Connection;
let proxy: FaultProxy;
/** Databend's DSN through the proxy. */
let dsn: string;
let config: Config | undefined;

beforeAll(async () => {
  const stack = loadStackEnv();
  conn = await connect(stack);
  ({ proxy, url: dsn } = await proxyFor('databend', stack.dsn, { seed: 3 }));
});

afterAll(async () => {
  await proxy.close();
  if (config !== undefined) await dropTargetDatabases(conn, config);
  await conn.close();
});

/** Messages waiting in the queue, and messages received and not yet deleted (invisible). */
async function queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

it('returns the messages of a batch that outlasts the deadline, then exits 0', async () => {
  const tables = catalogTables('shop', 1);
  const target = await testTarget('slowdrain', tableSettings(tables), {
    logLevel: 'info',
    // The lease outlives the test: only the shutdown may return the messages.
    replicas: { leaseTtlMs: 120_000, renewIntervalMs: 30_000 },
  });
  config = {
    ...target.config,
    databend: {
      ...target.config.databend,
      dsn,
    },
    shutdown: { deadlineMs: DEADLINE_MS },
  };
  const source = await simulatedSource(target.pipe.bucket, {
    seed: 17,
    tables,
    durationSeconds: 4,
    transactionsPerSecond: 4,
    initialRows: 10,
  });
  const [first] = source.simulation.files;
  const replicator = new Replicator(config);
  replicator.start();
  let exitCode: number | null;
  let outstanding: number;
  try {
    // One file loads: the service holds the lease and receives.
    await source.deliver({}, (file) => file === first);
    await replicator.waitForLog(/"batch committed"/, 60_000);
    await waitFor('its message deleted', async () => {
      const d = await queueDepth(target.pipe.queueUrl);
      return d.visible + d.inFlight === 0 ? d : undefined;
    });
    // Databend stops answering: the next batch cannot finish.
    proxy.hold();
    await source.deliver({}, (file) => file !== first);
    const depth = await waitFor('a message in flight', async () => {
      const d = await queueDepth(target.pipe.queueUrl);
      return d.inFlight > 0 ? d : undefined;
    });
    outstanding = depth.visible + depth.inFlight;
    const stopped = Date.now();
    exitCode = await replicator.stop('SIGTERM');
    expect(Date.now() - stopped).toBeLessThan(DEADLINE_MS + 2_000);
  } finally {
    proxy.release();
    await replicator.stop('SIGKILL');
  }
  expect(exitCode).toBe(0);
  expect(replicator.log.some((line) => line.includes('shutdown deadline passed'))).toBe(true);
  expect(await queueDepth(target.pipe.queueUrl)).toEqual({ visible: outstanding, inFlight: 0 });

  const received = new Set<string>();
  for (let turn = 0; turn < 5 && received.size < outstanding; turn++) {
    const { Messages } = await sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: target.pipe.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    for (const m of Messages ?? []) received.add(m.MessageId ?? '');
  }
  expect(received.size).toBe(outstanding);
}, 180_000);
