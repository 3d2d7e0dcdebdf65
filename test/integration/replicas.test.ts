// Three service processes on one queue and one set of tables, every event delivered several times
// at once and some files put twice; the active writer frozen (SIGSTOP) long enough to lose its
// lease, then thawed while its batches are in flight. Whatever overlaps, each file commits once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogTables } from '../../sim/index.js';
import { s3EventBody } from '../chaos/message-echo.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../support/replicator.js';
import { testTarget } from '../support/pipeline.js';
import { connect, sqs } from '../support/stack.js';

const ACTIVE = /this replica is the active writer/;
/** Extra notifications sent at once for every put, besides the bucket's own. */
const ECHOES = 3;

const databases: string[] = [];
const replicas: Replicator[] = [];
let conn: Connection | undefined;

afterAll(async () => {
  // The replicas' logs, for a failed run: one file each under the system's temp directory.
  const dir = mkdtempSync(join(tmpdir(), 'replicas-logs-'));
  replicas.forEach((r, i) => writeFileSync(join(dir, `replica-${i}.log`), r.log.join('\n')));
  for (const r of replicas) {
    r.signal('SIGCONT');
    await r.stop('SIGKILL');
  }
  for (const db of databases) await conn?.exec(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn?.close();
});

async function scalar(sql: string): Promise<string> {
  return String((await conn?.queryRow(sql))?.values()[0]);
}

describe('three replicas on one queue', () => {
  it(
    'load every file once and converge, through redeliveries, double puts and a takeover',
    { timeout: 600_000 },
    async () => {
      conn = await connect();
      const tables = catalogTables('shop', 3);
      const { config, pipe } = await testTarget('replicas', tableSettings(tables), {
        sqs: { visibilityTimeoutSeconds: 10, visibilityHeartbeatSeconds: 3 },
        batching: { maxFiles: 5 },
        replicas: { leaseTtlMs: 6_000, renewIntervalMs: 1_000 },
        logLevel: 'debug',
        maxReceiveCount: 5,
      });
      const { rawDatabase, odsDatabase, controlDatabase } = config.databend;
      databases.push(rawDatabase, odsDatabase, controlDatabase);
      const source = await simulatedSource(pipe.bucket, {
        seed: 12,
        tables,
        durationSeconds: 60,
        transactionsPerSecond: 10,
        initialRows: 60,
      });
      for (let i = 0; i < 3; i++) replicas.push(new Replicator(config));
      for (const r of replicas) r.start();

      const queue = sqs();
      const echoes: Promise<unknown>[] = [];
      const delivery = source.deliver({
        seed: 5,
        intervalMs: 150,
        duplicateProbability: 0.25,
        reorderWindow: 3,
        onPut: (put) => {
          const body = s3EventBody({
            bucket: pipe.bucket,
            key: put.key,
            etag: put.eTag,
            size: put.bytes,
          });
          for (let i = 0; i < ECHOES; i++)
            echoes.push(
              queue.send(new SendMessageCommand({ QueueUrl: pipe.queueUrl, MessageBody: body })),
            );
        },
      });

      // Freeze whoever writes once it is busy, past its lease's expiry, then let it go on.
      const holder = await firstActive(replicas);
      await holder.waitForLog(/"batch started"/, 60_000);
      holder.signal('SIGSTOP');
      await new Promise((r) => setTimeout(r, 9_000));
      holder.signal('SIGCONT');
      await delivery;
      await Promise.all(echoes);

      const result = await waitForConvergence(conn, source.simulation, config, 240_000);
      expect(result.report).toBe('all 3 tables equal');
      expect(
        await scalar(
          `SELECT (count(*) - count(DISTINCT bucket, object_key, etag))::STRING FROM \`${controlDatabase}\`.files`,
        ),
      ).toBe('0');
      for (const table of tables) {
        expect(
          await scalar(
            `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM \`${rawDatabase}\`.\`${table.name}\``,
          ),
        ).toBe('0');
        const key = table.primaryKey.map((c) => `\`${c}\``).join(', ');
        expect(
          await scalar(
            `SELECT (count(*) - count(DISTINCT ${key}))::STRING FROM \`${odsDatabase}\`.\`${table.name}\``,
          ),
        ).toBe('0');
      }
      // Someone else took over while the first holder was frozen, and the thawed one stood down.
      expect(replicas.filter((r) => r.log.some((l) => ACTIVE.test(l))).length).toBeGreaterThan(1);
      expect(holder.log.some((l) => l.includes('no longer the active writer'))).toBe(true);
      // A replica that never held the lease never received a message.
      for (const r of replicas.filter((x) => !x.log.some((l) => ACTIVE.test(l))))
        expect(r.log.filter((l) => l.includes('"message '))).toEqual([]);
      // Nothing walked to the dead-letter queue.
      const dlq = await queue.send(
        new GetQueueAttributesCommand({
          QueueUrl: pipe.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
      queue.destroy();
    },
  );
});

async function firstActive(list: readonly Replicator[]): Promise<Replicator> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const found = list.find((r) => r.log.some((l) => ACTIVE.test(l)));
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no replica became the active writer within 60 s');
}
