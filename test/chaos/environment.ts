/**
 * What the chaos runs share: the local stack's moto (S3 and SQS), a Databend server of the
 * suite's own in a temporary directory (restarting the stack's Databend would break every other
 * test using it), and two fault proxies — one in front of Databend, one in front of moto.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'databend-driver';
import { loadStackEnv, sqs } from '../support/stack.js';
import type { ChaosEnvironment } from './chaos-run.js';
import { DatabendProcess } from './databend-process.js';
import { FaultProxy } from './fault-proxy.js';

export interface OpenedEnvironment extends ChaosEnvironment {
  close(options?: { keepData?: boolean }): Promise<void>;
}

export async function openChaosEnvironment(
  seed: number,
  log: (line: string) => void,
): Promise<OpenedEnvironment> {
  const stack = loadStackEnv();
  const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  const databend = new DatabendProcess({ dataDir: join(dir, 'databend-data') });
  await databend.start();
  const databendProxy = new FaultProxy({
    name: 'databend',
    targetHost: '127.0.0.1',
    targetPort: databend.port,
    seed,
  });
  const motoPort = Number(new URL(stack.endpoint).port);
  const awsProxy = new FaultProxy({
    name: 's3+sqs',
    targetHost: '127.0.0.1',
    targetPort: motoPort,
    seed: seed + 1,
  });
  await databendProxy.start();
  await awsProxy.start();
  const conn = await new Client(databend.dsn).getConn();
  const sqsClient = sqs(stack);
  return {
    stack,
    databend,
    databendProxy,
    awsProxy,
    conn,
    sqs: sqsClient,
    log,
    dir,
    close: async ({ keepData = false } = {}) => {
      await conn.close().catch(() => undefined);
      sqsClient.destroy();
      await databendProxy.close();
      await awsProxy.close();
      await databend.stop();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
