import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseKey } from '../../src/files/key-layout.js';
import { pendingFile, type PendingFile } from '../../src/ingest/pending-file.js';
import { TableQueues, type TableQueuesOptions } from '../../src/ingest/table-queues.js';
import type { FileResult } from '../../src/ingest/file-outcome.js';

function cdcFile(table: string, second: number): PendingFile {
  // A DMS CDC name: YYYYMMDD-HHMMSS and four fractional digits.
  const key = `dms/${table}/20260101-0000${String(second).padStart(2, '0')}0000.parquet`;
  const parsed = parseKey(key, { bucketFolder: '' });
  if (!parsed.ok) throw new Error(`${key}: ${parsed.reason}`);
  return pendingFile(
    {
      bucket: 'b',
      key: parsed.file.key,
      etag: `etag-${second}`,
      size: 100,
      eventTime: new Date(0),
      eventName: 'ObjectCreated:Put',
    },
    parsed.file,
    { source: `dms.${table}`, target: table, primaryKey: ['id'], columnTypes: {} },
  );
}

/** Records every batch handed to `run` and answers each file with `done`. */
function queuesWith(overrides: Partial<TableQueuesOptions>) {
  const batches: string[][] = [];
  const queues = new TableQueues({
    maxFiles: 100,
    maxBytes: 1e9,
    maxWaitMs: 250,
    maxBacklogWaitMs: 5_000,
    backlogged: () => false,
    concurrency: 4,
    run: (_table, files) => {
      batches.push(files.map((f) => f.ref.etag));
      return Promise.resolve(
        new Map<string, FileResult>(
          files.map((f) => [
            `${f.ref.bucket}\u0000${f.ref.key}\u0000${f.ref.etag}`,
            { kind: 'done', rows: 1, reason: 'loaded' },
          ]),
        ),
      );
    },
    ...overrides,
  });
  return { queues, batches };
}

describe('TableQueues batching', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a batch maxWaitMs after its first file when the queue is shallow', async () => {
    const { queues, batches } = queuesWith({});
    void queues.add(cdcFile('orders', 1));
    await vi.advanceTimersByTimeAsync(200);
    void queues.add(cdcFile('orders', 2));
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(60);
    expect(batches).toEqual([['etag-1', 'etag-2']]);
  });

  it('keeps collecting while the queue is backlogged, then takes everything in one batch', async () => {
    let backlogged = true;
    const { queues, batches } = queuesWith({ backlogged: () => backlogged });
    for (let second = 1; second <= 5; second++) {
      void queues.add(cdcFile('orders', second));
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(batches).toEqual([]);
    backlogged = false;
    await vi.advanceTimersByTimeAsync(150);
    expect(batches).toEqual([['etag-1', 'etag-2', 'etag-3', 'etag-4', 'etag-5']]);
  });

  it('starts a table whose files stopped coming, though the queue is still deep', async () => {
    const { queues, batches } = queuesWith({ backlogged: () => true });
    void queues.add(cdcFile('orders', 1));
    await vi.advanceTimersByTimeAsync(450);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(batches).toEqual([['etag-1']]);
  });

  it('stops collecting after maxBacklogWaitMs even while files keep coming', async () => {
    const { queues, batches } = queuesWith({ backlogged: () => true, maxBacklogWaitMs: 2_000 });
    const first = queues.add(cdcFile('orders', 1));
    for (let second = 2; second <= 6; second++) {
      await vi.advanceTimersByTimeAsync(400);
      void queues.add(cdcFile('orders', second));
    }
    // 2,000 ms of adds; the batch may collect until 250 + 2,000 ms after the first.
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(batches).toEqual([['etag-1', 'etag-2', 'etag-3', 'etag-4', 'etag-5', 'etag-6']]);
    await expect(first).resolves.toMatchObject({ kind: 'done' });
  });

  it('starts at once when the batch is full, backlog or not', async () => {
    const { queues, batches } = queuesWith({ backlogged: () => true, maxFiles: 2 });
    void queues.add(cdcFile('orders', 1));
    void queues.add(cdcFile('orders', 2));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([['etag-1', 'etag-2']]);
  });

  it('never waits for a backlog when maxBacklogWaitMs is 0', async () => {
    const { queues, batches } = queuesWith({ backlogged: () => true, maxBacklogWaitMs: 0 });
    void queues.add(cdcFile('orders', 1));
    await vi.advanceTimersByTimeAsync(260);
    expect(batches).toEqual([['etag-1']]);
  });

  it('announces a file once when it starts waiting, not when a duplicate joins it', async () => {
    const queued: string[] = [];
    const loading: string[][] = [];
    const { queues } = queuesWith({
      onQueued: (file) => queued.push(file.ref.etag),
      // The batch stays loading, so a later duplicate joins it.
      run: (_table, files) => {
        loading.push(files.map((f) => f.ref.etag));
        return new Promise(() => undefined);
      },
    });
    void queues.add(cdcFile('orders', 1));
    void queues.add(cdcFile('orders', 1));
    await vi.advanceTimersByTimeAsync(260);
    void queues.add(cdcFile('orders', 1));
    void queues.add(cdcFile('orders', 2));
    expect(loading).toEqual([['etag-1']]);
    expect(queued).toEqual(['etag-1', 'etag-2']);
  });
});

describe('running batches, for the liveness watchdog', () => {
  it('lists a batch only while it runs, with the time of its last progress', async () => {
    vi.useFakeTimers({ now: 10_000 });
    try {
      let finish: (() => void) | undefined;
      let mark: (() => void) | undefined;
      const { queues } = queuesWith({
        maxWaitMs: 0,
        run: (_table, files, progress) => {
          mark = progress;
          return new Promise((resolve) => {
            finish = () =>
              resolve(
                new Map<string, FileResult>(
                  files.map((f) => [
                    `${f.ref.bucket}\u0000${f.ref.key}\u0000${f.ref.etag}`,
                    { kind: 'done', rows: 1, reason: 'loaded' },
                  ]),
                ),
              );
          });
        },
      });
      expect(queues.runningBatches()).toEqual([]);
      const outcome = queues.add(cdcFile('orders', 1));
      await vi.advanceTimersByTimeAsync(1);
      expect(queues.runningBatches()).toEqual([{ table: 'orders', lastProgressAt: 10_000 }]);
      await vi.advanceTimersByTimeAsync(5_000);
      mark?.();
      expect(queues.runningBatches()).toEqual([{ table: 'orders', lastProgressAt: 15_001 }]);
      finish?.();
      await outcome;
      expect(queues.runningBatches()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
