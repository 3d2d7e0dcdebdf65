import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PipelineEvents } from '../../src/events.js';
import { BucketLister } from '../../src/ingest/bucket-lister.js';
import { done, type FileResult } from '../../src/ingest/file-outcome.js';
import type { S3FileRef } from '../../src/files/file-ref.js';
import { Sweep, type SweepDeps } from '../../src/ingest/sweep.js';
import { BUCKET, FakeBucket, FakeLedger, sweepConfig } from './sweep-fakes.js';

const NOW = Date.parse('2024-06-12T12:00:00Z');
const OLD = new Date(NOW - 3_600_000);

interface Harness {
  sweep: Sweep;
  bucket: FakeBucket;
  ledger: FakeLedger;
  submitted: S3FileRef[];
  found: { table: string; key?: string }[];
}

function harness(
  options: {
    config?: Record<string, unknown>;
    paused?: string[];
    submit?: (ref: S3FileRef) => Promise<FileResult>;
    deps?: Partial<SweepDeps>;
  } = {},
): Harness {
  const bucket = new FakeBucket();
  const ledger = new FakeLedger();
  const events = new PipelineEvents();
  const found: { table: string; key?: string }[] = [];
  events.on('file:found-by-sweep', (e) => found.push(e));
  const submitted: S3FileRef[] = [];
  const sweep = new Sweep({
    config: sweepConfig(options.config),
    lister: new BucketLister(bucket, BUCKET),
    ledger,
    events,
    logger: pino({ level: 'silent' }),
    submit: (ref) => {
      submitted.push(ref);
      return options.submit?.(ref) ?? Promise.resolve(done(1, 'loaded'));
    },
    pausedTables: () => new Map((options.paused ?? []).map((t) => [t, 'paused'])),
    now: () => NOW,
    ...options.deps,
  });
  return { sweep, bucket, ledger, submitted, found };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a sweep', () => {
  it('hands over each file the ledger lacks and counts it as found, per table', async () => {
    const h = harness();
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD);
    h.bucket.put('shop/orders/20240612-100000000.parquet', OLD);
    h.bucket.put('shop/customers/20240612-100000000.parquet', OLD);
    h.ledger.add('shop/orders/LOAD00000001.parquet');
    const report = await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key).sort()).toEqual([
      'shop/customers/20240612-100000000.parquet',
      'shop/orders/20240612-100000000.parquet',
    ]);
    expect(h.found.sort((a, b) => a.table.localeCompare(b.table))).toEqual([
      { table: 'customers', key: 'shop/customers/20240612-100000000.parquet' },
      { table: 'orders', key: 'shop/orders/20240612-100000000.parquet' },
    ]);
    expect(report).toMatchObject({ tables: 2, listed: 3, found: 2 });
  });

  it('hands over files as events would announce them: bare ETag, size, S3 time', async () => {
    const h = harness();
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD, 'abc-2', 1234);
    await h.sweep.runOnce();
    expect(h.submitted).toEqual([
      {
        bucket: BUCKET,
        key: 'shop/orders/LOAD00000001.parquet',
        etag: 'abc-2',
        size: 1234,
        eventTime: OLD,
        eventName: 'ListObjectsV2',
      },
    ]);
  });

  it('treats a reloaded file (same key, new ETag) as a new file', async () => {
    const h = harness();
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD, 'second-load');
    h.ledger.add('shop/orders/LOAD00000001.parquet', 'first-load');
    await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.etag)).toEqual(['second-load']);
  });

  it('leaves files younger than the grace period to their events', async () => {
    const h = harness({ config: { sweep: { graceSeconds: 120 } } });
    h.bucket.put('shop/orders/20240612-115900000.parquet', new Date(NOW - 60_000));
    h.bucket.put('shop/orders/20240612-115700000.parquet', new Date(NOW - 180_000));
    await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key)).toEqual(['shop/orders/20240612-115700000.parquet']);
  });

  it('lists a known table after the newest CDC key the ledger holds for it', async () => {
    const h = harness();
    for (let i = 0; i < 2_500; i++) {
      const key = `shop/orders/20240612-${String(100000000 + i)}.parquet`;
      h.bucket.put(key, OLD);
      h.ledger.add(key);
    }
    const newest = 'shop/orders/20240612-100002499.parquet';
    h.ledger.newest.set('shop/orders', newest);
    h.bucket.put('shop/orders/20240612-110000000.parquet', OLD);
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD);
    h.ledger.add('shop/orders/LOAD00000001.parquet');
    const report = await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key)).toEqual(['shop/orders/20240612-110000000.parquet']);
    const tableListings = h.bucket.requests.filter((r) => r.Delimiter === undefined);
    expect(tableListings.map((r) => r.StartAfter)).toEqual([newest]);
    // Two folder levels plus one page for the table, not three pages of old files.
    expect(report.listRequests).toBe(3);
    expect(report.listed).toBe(2);
  });

  it('moves the start key only by files loaded at least the look-back period ago', async () => {
    const h = harness({ deps: { lookbackMs: 900_000 } });
    await h.sweep.runOnce();
    expect(h.ledger.cutoffs).toEqual([new Date(NOW - 900_000)]);
  });

  it('reads only recent ledger rows for start keys after its first sweep, keeping the keys', async () => {
    const h = harness({ deps: { lookbackMs: 900_000 } });
    const newest = 'shop/orders/20240612-100000000.parquet';
    h.bucket.put(newest, OLD);
    h.ledger.add(newest);
    h.ledger.newest.set('shop/orders', newest);
    await h.sweep.runOnce();
    // The window of the next scan holds nothing new: the start key stays.
    h.ledger.newest.clear();
    h.ledger.newest.set('shop/orders', 'shop/orders/20240612-090000000.parquet');
    await h.sweep.runOnce();
    expect(h.ledger.sinces).toEqual([undefined, new Date(NOW - 900_000 - 86_400_000)]);
    const tableListings = h.bucket.requests.filter((r) => r.Delimiter === undefined);
    expect(tableListings.map((r) => r.StartAfter)).toEqual([newest, newest]);
  });

  it('looks a full-load file up until the ledger holds it, then no more', async () => {
    const h = harness();
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD);
    h.bucket.put('shop/orders/LOAD00000002.parquet', OLD);
    h.ledger.add('shop/orders/LOAD00000001.parquet');
    await h.sweep.runOnce();
    await h.sweep.settled();
    await h.sweep.runOnce();
    expect(h.ledger.lookups).toEqual([
      ['shop/orders/LOAD00000001.parquet', 'shop/orders/LOAD00000002.parquet'],
      ['shop/orders/LOAD00000002.parquet'],
    ]);
    // A reload (a new ETag under the same key) is a new file, looked up again.
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD, 'etag-of-the-reload');
    await h.sweep.settled();
    await h.sweep.runOnce();
    expect(h.ledger.lookups.at(-1)).toEqual([
      'shop/orders/LOAD00000001.parquet',
      'shop/orders/LOAD00000002.parquet',
    ]);
  });

  it('discovers a table folder the ledger has never seen and lists it whole', async () => {
    const h = harness();
    h.bucket.put('shop/refunds/20240612-100000000.parquet', OLD);
    h.bucket.put('shop/refunds/LOAD00000001.parquet', OLD);
    h.bucket.put('billing/invoices/LOAD00000001.parquet', OLD);
    await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key).sort()).toEqual([
      'billing/invoices/LOAD00000001.parquet',
      'shop/refunds/20240612-100000000.parquet',
      'shop/refunds/LOAD00000001.parquet',
    ]);
    expect(h.bucket.requests.filter((r) => r.Delimiter === '/').map((r) => r.Prefix)).toEqual([
      '',
      'billing/',
      'shop/',
    ]);
  });

  it('finds table folders under the bucket folder only', async () => {
    const h = harness({ config: { s3: { bucketFolder: 'dms' } } });
    h.bucket.put('dms/shop/orders/LOAD00000001.parquet', OLD);
    h.bucket.put('other/shop/orders/LOAD00000001.parquet', OLD);
    await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key)).toEqual(['dms/shop/orders/LOAD00000001.parquet']);
  });

  it('hands a table over in DMS order: full-load files first, then CDC by name', async () => {
    const h = harness();
    for (const key of [
      'shop/orders/20240612-100100000.parquet',
      'shop/orders/20240612-100000000.parquet',
      'shop/orders/LOAD00000002.parquet',
      'shop/orders/LOAD00000001.parquet',
    ])
      h.bucket.put(key, OLD);
    await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key)).toEqual([
      'shop/orders/LOAD00000001.parquet',
      'shop/orders/LOAD00000002.parquet',
      'shop/orders/20240612-100000000.parquet',
      'shop/orders/20240612-100100000.parquet',
    ]);
  });

  it('ignores keys outside the DMS layout', async () => {
    const h = harness();
    h.bucket.put('shop/orders/notes.txt', OLD);
    h.bucket.put('shop/orders/_tmp/LOAD00000001.parquet.part', OLD);
    const report = await h.sweep.runOnce();
    expect(h.submitted).toEqual([]);
    expect(report.listed).toBe(2);
  });

  it('leaves paused tables alone', async () => {
    const h = harness({ paused: ['orders'] });
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD);
    h.bucket.put('shop/customers/LOAD00000001.parquet', OLD);
    const report = await h.sweep.runOnce();
    expect(h.submitted.map((r) => r.key)).toEqual(['shop/customers/LOAD00000001.parquet']);
    expect(report.tables).toBe(1);
  });

  it('does not count a file again while its first hand-over is still loading', async () => {
    let finish: (r: FileResult) => void = () => undefined;
    const h = harness({ submit: () => new Promise((resolve) => (finish = resolve)) });
    h.bucket.put('shop/orders/LOAD00000001.parquet', OLD);
    await h.sweep.runOnce();
    await h.sweep.runOnce();
    expect(h.found).toHaveLength(1);
    finish(done(3, 'loaded'));
    await h.sweep.settled();
    // Loaded now; had it failed, the next sweep would hand it over again.
    await h.sweep.runOnce();
    expect(h.found).toHaveLength(2);
  });
});

describe('the sweep schedule', () => {
  it('sweeps on start and then every interval until stopped', async () => {
    vi.useFakeTimers();
    const h = harness({ config: { sweep: { intervalMinutes: 10 } } });
    const runs = vi.spyOn(h.sweep, 'runOnce');
    h.sweep.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(9 * 60_000);
    expect(runs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveBeenCalledTimes(2);
    await h.sweep.stop();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(runs).toHaveBeenCalledTimes(2);
  });

  it('never sweeps when the interval is 0', async () => {
    vi.useFakeTimers();
    const h = harness({ config: { sweep: { intervalMinutes: 0 } } });
    const runs = vi.spyOn(h.sweep, 'runOnce');
    h.sweep.start();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(runs).not.toHaveBeenCalled();
  });

  it('keeps its schedule after a sweep fails', async () => {
    vi.useFakeTimers();
    const h = harness({ config: { sweep: { intervalMinutes: 1 } } });
    const runs = vi
      .spyOn(h.sweep, 'runOnce')
      .mockRejectedValueOnce(new Error('S3 is down'))
      .mockResolvedValue({ tables: 0, listRequests: 0, listed: 0, found: 0, durationMs: 0 });
    h.sweep.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveBeenCalledTimes(2);
    await h.sweep.stop();
  });

  it('ends a sweep in progress between two pages when stopped', async () => {
    const h = harness();
    for (let i = 0; i < 3_000; i++)
      h.bucket.put(`shop/orders/20240612-${String(100000000 + i)}.parquet`, OLD);
    let stopping: Promise<void> | undefined;
    const loaded = h.ledger.loaded.bind(h.ledger);
    vi.spyOn(h.ledger, 'loaded').mockImplementation((files) => {
      stopping ??= h.sweep.stop();
      return loaded(files);
    });
    const report = await h.sweep.runOnce();
    await stopping;
    expect(report.listed).toBe(1_000);
    expect(h.found).toHaveLength(1_000);
  });
});
