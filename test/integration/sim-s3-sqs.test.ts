// Delivering the simulator's files into a bucket of the local stack fires one S3 notification
// per put into the bucket's queue: duplicates included, a reloaded LOAD file with a new ETag.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogTables, deliverFiles, generate, s3ClientFor } from '../../sim/index.js';
import { isolatedPipe, loadStackEnv, sqs } from '../support/stack.js';

interface Notification {
  key: string;
  eTag: string;
  eventName: string;
}

function notificationsOf(body: string): Notification[] {
  const parsed = JSON.parse(body) as {
    Records?: { eventName: string; s3: { object: { key: string; eTag: string } } }[];
  };
  return (parsed.Records ?? []).map((r) => ({
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    eTag: r.s3.object.eTag.replace(/"/g, ''),
    eventName: r.eventName,
  }));
}

describe('delivering simulated files to the stack bucket', () => {
  let dir = '';

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('produces one ObjectCreated message per put, duplicates and reloads included', async () => {
    const stack = loadStackEnv();
    const pipe = await isolatedPipe('sim-s3');
    dir = await mkdtemp(path.join(tmpdir(), 'sim-s3-'));
    const { written } = await generate(
      {
        seed: 3,
        tables: catalogTables('shop', 2),
        initialRows: 10,
        durationSeconds: 12,
        transactionsPerSecond: 4,
        reload: { table: 'customers', atFraction: 0.9 },
      },
      { cdcMaxBatchInterval: 3, bucketFolder: 'dms out', datePartitionEnabled: true },
      { outDir: dir },
    );
    const client = s3ClientFor({ ...stack, bucket: pipe.bucket });
    const puts = await deliverFiles(written, {
      client,
      bucket: pipe.bucket,
      seed: 3,
      duplicateProbability: 0.3,
      reorderWindow: 4,
    });
    client.destroy();
    expect(puts.some((p) => p.duplicate)).toBe(true);

    const queue = sqs(stack);
    const received: Notification[] = [];
    const deadline = Date.now() + 45_000;
    while (received.length < puts.length && Date.now() < deadline) {
      const answer = await queue.send(
        new ReceiveMessageCommand({
          QueueUrl: pipe.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = answer.Messages ?? [];
      for (const m of messages) received.push(...notificationsOf(m.Body ?? '{}'));
      if (messages.length > 0) {
        await queue.send(
          new DeleteMessageBatchCommand({
            QueueUrl: pipe.queueUrl,
            Entries: messages.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle ?? '',
            })),
          }),
        );
      }
    }
    queue.destroy();

    const created = received.filter((n) => n.eventName.startsWith('ObjectCreated:'));
    const sorted = (items: string[]) => [...items].sort();
    expect(sorted(created.map((n) => `${n.key} ${n.eTag}`))).toEqual(
      sorted(puts.map((p) => `${p.key} ${p.eTag}`)),
    );
    // Keys keep the DMS layout, spaces in the bucket folder included.
    expect(created.every((n) => n.key.startsWith('dms out/shop/'))).toBe(true);
    // The reload rewrote LOAD00000001.parquet with other bytes: two ETags under one key.
    const reloadKey = 'dms out/shop/customers/LOAD00000001.parquet';
    expect(new Set(created.filter((n) => n.key === reloadKey).map((n) => n.eTag)).size).toBe(2);
    // A duplicate put carries the same ETag as the first put of that version.
    for (const dup of puts.filter((p) => p.duplicate)) {
      const first = puts.find(
        (p) => !p.duplicate && p.key === dup.key && p.version === dup.version,
      );
      expect(first?.eTag).toBe(dup.eTag);
    }
  });
});
