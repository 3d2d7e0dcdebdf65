import { describe, expect, it } from 'vitest';
import { PipelineEvents, type BatchCommitted } from '../../src/events.js';
import { Metrics, type HeldTable, type PendingTable } from '../../src/metrics/metrics.js';

type Labels = Record<string, string>;

/** The value of one series in the exposition text, or undefined when the series is absent. */
function sample(body: string, name: string, labels: Labels = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of body.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter((part) => part !== '');
    if (have.length === wanted.length && [...have].sort().every((part, i) => part === wanted[i]))
      return Number(match[3]);
  }
  return undefined;
}

const NOW = Date.parse('2026-03-01T12:00:00Z');

function committed(overrides: Partial<BatchCommitted> = {}): BatchCommitted {
  return {
    table: 'orders',
    batchId: 'b-1',
    files: 3,
    rows: { I: 10, U: 4, D: 2 },
    rowsMerged: 12,
    copyMs: 1500,
    mergeMs: 250,
    totalMs: 2000,
    oldestEventTime: new Date(NOW - 42_000),
    newestCommitTime: new Date(NOW - 65_000),
    ...overrides,
  };
}

function setup(pending?: () => readonly PendingTable[]) {
  const events = new PipelineEvents();
  const metrics = new Metrics({ defaultMetrics: false, now: () => NOW });
  metrics.subscribe(events);
  if (pending !== undefined) metrics.setPendingSource(pending);
  const scrape = async () => (await metrics.render()).body;
  return { events, metrics, scrape };
}

describe('Metrics', () => {
  it('counts files, rows by op, merged rows and the batch when a batch commits', async () => {
    const { events, scrape } = setup();
    events.emit('batch:committed', committed());
    events.emit('batch:committed', committed({ files: 1, rows: { I: 1, U: 0, D: 0 } }));
    const body = await scrape();
    expect(sample(body, 'bend_replicator_files_loaded_total', { table: 'orders' })).toBe(4);
    expect(sample(body, 'bend_replicator_rows_loaded_total', { table: 'orders', op: 'I' })).toBe(
      11,
    );
    expect(sample(body, 'bend_replicator_rows_loaded_total', { table: 'orders', op: 'U' })).toBe(4);
    expect(sample(body, 'bend_replicator_rows_loaded_total', { table: 'orders', op: 'D' })).toBe(2);
    expect(sample(body, 'bend_replicator_rows_merged_total', { table: 'orders' })).toBe(24);
    expect(
      sample(body, 'bend_replicator_batches_total', { table: 'orders', result: 'committed' }),
    ).toBe(2);
  });

  it('observes COPY, MERGE and batch durations in seconds', async () => {
    const { events, scrape } = setup();
    events.emit('batch:committed', committed());
    const body = await scrape();
    expect(sample(body, 'bend_replicator_copy_duration_seconds_sum', { table: 'orders' })).toBe(
      1.5,
    );
    expect(sample(body, 'bend_replicator_merge_duration_seconds_sum', { table: 'orders' })).toBe(
      0.25,
    );
    expect(sample(body, 'bend_replicator_batch_duration_seconds_count', { table: 'orders' })).toBe(
      1,
    );
    expect(
      sample(body, 'bend_replicator_batch_duration_seconds_bucket', { table: 'orders', le: '2.5' }),
    ).toBe(1);
  });

  it('keeps the event and commit lag of the last commit, never below zero', async () => {
    const { events, scrape } = setup();
    events.emit('batch:committed', committed());
    events.emit(
      'batch:committed',
      committed({ table: 'skewed', oldestEventTime: new Date(NOW + 3_000) }),
    );
    const body = await scrape();
    expect(
      sample(body, 'bend_replicator_commit_lag_seconds', { table: 'orders', kind: 'event' }),
    ).toBe(42);
    expect(
      sample(body, 'bend_replicator_commit_lag_seconds', { table: 'orders', kind: 'commit' }),
    ).toBe(65);
    expect(
      sample(body, 'bend_replicator_commit_lag_seconds', { table: 'skewed', kind: 'event' }),
    ).toBe(0);
  });

  it('leaves lag unset when the batch carries no times', async () => {
    const { events, scrape } = setup();
    const bare = committed();
    delete bare.oldestEventTime;
    delete bare.newestCommitTime;
    events.emit('batch:committed', bare);
    const body = await scrape();
    expect(
      sample(body, 'bend_replicator_commit_lag_seconds', { table: 'orders', kind: 'event' }),
    ).toBe(undefined);
  });

  it('counts failed batches as transient or permanent', async () => {
    const { events, scrape } = setup();
    const failure = { table: 'orders', batchId: 'b', error: new Error('x'), attempt: 1 };
    events.emit('batch:failed', { ...failure, transient: true });
    events.emit('batch:failed', { ...failure, transient: true });
    events.emit('batch:failed', { ...failure, transient: false });
    const body = await scrape();
    const batches = 'bend_replicator_batches_total';
    expect(sample(body, batches, { table: 'orders', result: 'failed_transient' })).toBe(2);
    expect(sample(body, batches, { table: 'orders', result: 'failed_permanent' })).toBe(1);
  });

  it('shows every message outcome from zero and counts each one', async () => {
    const { events, scrape } = setup();
    expect(
      sample(await scrape(), 'bend_replicator_message_outcomes_total', { outcome: 'poison' }),
    ).toBe(0);
    events.emit('file:outcome', { outcome: 'ignored', reason: 's3:TestEvent' });
    events.emit('file:outcome', { table: 'orders', outcome: 'done', reason: 'loaded' });
    events.emit('file:outcome', { table: 'orders', outcome: 'done', reason: 'already in ledger' });
    const body = await scrape();
    const outcomes = 'bend_replicator_message_outcomes_total';
    expect(sample(body, outcomes, { outcome: 'done' })).toBe(2);
    expect(sample(body, outcomes, { outcome: 'ignored' })).toBe(1);
    expect(sample(body, outcomes, { outcome: 'retry' })).toBe(0);
  });

  it('never puts a file key in a label', async () => {
    const { events, scrape } = setup();
    const key = 'dms/shop/orders/20260301-120000123.parquet';
    events.emit('file:outcome', { table: 'orders', outcome: 'poison', reason: 'bad', key });
    events.emit('file:found-by-sweep', { table: 'orders', key });
    expect(await scrape()).not.toContain('20260301-120000123');
  });

  it('flags a paused table with 1 and a resumed one with 0', async () => {
    const { events, scrape } = setup();
    events.emit('table:paused', { table: 'orders', reason: 'incompatible type change' });
    expect(sample(await scrape(), 'bend_replicator_tables_paused', { table: 'orders' })).toBe(1);
    events.emit('table:resumed', { table: 'orders' });
    expect(sample(await scrape(), 'bend_replicator_tables_paused', { table: 'orders' })).toBe(0);
  });

  it('counts Databend errors by code, sweep finds by table and retention runs', async () => {
    const { events, scrape } = setup();
    events.emit('databend:error', { code: 4001 });
    events.emit('databend:error', { code: 4001 });
    events.emit('databend:error', { code: 'transport' });
    events.emit('file:found-by-sweep', { table: 'orders' });
    events.emit('retention:completed', { rowsDeleted: 120, durationMs: 900 });
    events.emit('retention:failed', { error: new Error('timeout') });
    const body = await scrape();
    expect(sample(body, 'bend_replicator_databend_errors_total', { code: '4001' })).toBe(2);
    expect(sample(body, 'bend_replicator_databend_errors_total', { code: 'transport' })).toBe(1);
    expect(sample(body, 'bend_replicator_files_found_by_sweep_total', { table: 'orders' })).toBe(1);
    expect(sample(body, 'bend_replicator_raw_retention_rows_deleted_total')).toBe(120);
    expect(sample(body, 'bend_replicator_raw_retention_runs_total', { result: 'ok' })).toBe(1);
    expect(sample(body, 'bend_replicator_raw_retention_runs_total', { result: 'error' })).toBe(1);
  });

  it('reads pending files and the oldest pending age from the pipeline at scrape time', async () => {
    let pending: PendingTable[] = [
      { table: 'orders', files: 7, oldestEventTime: new Date(NOW - 90_000) },
    ];
    const { scrape } = setup(() => pending);
    let body = await scrape();
    expect(sample(body, 'bend_replicator_pending_files', { table: 'orders' })).toBe(7);
    expect(sample(body, 'bend_replicator_oldest_pending_age_seconds', { table: 'orders' })).toBe(
      90,
    );

    pending = [];
    body = await scrape();
    expect(sample(body, 'bend_replicator_pending_files', { table: 'orders' })).toBe(0);
    expect(sample(body, 'bend_replicator_oldest_pending_age_seconds', { table: 'orders' })).toBe(0);
  });

  it('still answers a scrape when the pending source throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const metrics = new Metrics({ defaultMetrics: false, onCollectError: (e) => errors.push(e) });
    metrics.setPendingSource(() => {
      throw new Error('pipeline not started');
    });
    const { body } = await metrics.render();
    expect(body).toContain('bend_replicator_files_loaded_total');
    expect(errors).toHaveLength(1);
  });

  it('registers Node default metrics on its own registry, not the global one', async () => {
    const a = new Metrics();
    const b = new Metrics();
    const body = (await a.render()).body;
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
    expect(a.registry).not.toBe(b.registry);
  });

  it('computes lag at scrape time from the oldest waiting file, queued or held', async () => {
    let pending: PendingTable[] = [
      { table: 'orders', files: 2, oldestEventTime: new Date(NOW - 30_000) },
    ];
    let held: HeldTable[] = [
      { table: 'items', files: 4, oldestEventTime: new Date(NOW - 600_000) },
    ];
    let now = NOW;
    const metrics = new Metrics({ defaultMetrics: false, now: () => now });
    metrics.setPendingSource(() => pending);
    metrics.setHeldSource(() => held);
    let body = (await metrics.render()).body;
    expect(sample(body, 'bend_replicator_lag_seconds', { table: 'orders' })).toBe(30);
    expect(sample(body, 'bend_replicator_lag_seconds', { table: 'items' })).toBe(600);
    expect(sample(body, 'bend_replicator_held_files', { table: 'items' })).toBe(4);
    expect(sample(body, 'bend_replicator_held_files', { table: 'orders' })).toBe(0);

    // Stuck: nothing commits and the same files wait; the lag grows with the clock.
    now += 60_000;
    body = (await metrics.render()).body;
    expect(sample(body, 'bend_replicator_lag_seconds', { table: 'orders' })).toBe(90);
    expect(sample(body, 'bend_replicator_lag_seconds', { table: 'items' })).toBe(660);

    // Quiet: nothing waits any more; the lag is 0, not the last value.
    pending = [];
    held = [];
    body = (await metrics.render()).body;
    expect(sample(body, 'bend_replicator_lag_seconds', { table: 'orders' })).toBe(0);
    expect(sample(body, 'bend_replicator_lag_seconds', { table: 'items' })).toBe(0);
    expect(sample(body, 'bend_replicator_held_files', { table: 'items' })).toBe(0);
  });

  it('stamps each table with its last commit, seeded from the ledger at start-up', async () => {
    const { events, metrics, scrape } = setup();
    metrics.recordLastCommits(
      new Map([
        ['orders', new Date(NOW - 3_600_000)],
        ['items', new Date(NOW - 7_200_000)],
      ]),
    );
    events.emit('batch:committed', committed());
    const body = await scrape();
    expect(sample(body, 'bend_replicator_last_commit_timestamp_seconds', { table: 'orders' })).toBe(
      NOW / 1000,
    );
    expect(sample(body, 'bend_replicator_last_commit_timestamp_seconds', { table: 'items' })).toBe(
      (NOW - 7_200_000) / 1000,
    );
  });

  it('exports build_info as 1 with version, commit and node', async () => {
    const metrics = new Metrics({
      defaultMetrics: false,
      build: { version: '1.2.3', commit: 'abc123', node: 'pod-7' },
    });
    const body = (await metrics.render()).body;
    expect(body).toContain('# TYPE bend_replicator_build_info gauge');
    expect(
      sample(body, 'bend_replicator_build_info', {
        version: '1.2.3',
        commit: 'abc123',
        node: 'pod-7',
      }),
    ).toBe(1);
  });

  it('exports each dependency as up or down from its probe at scrape time', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    let answers = { databend: true, s3: true, sqs: true };
    metrics.setDependencySource(() => Promise.resolve(answers));
    let body = (await metrics.render()).body;
    expect(body).toContain('# TYPE bend_replicator_dependency_up gauge');
    expect(sample(body, 'bend_replicator_dependency_up', { dependency: 'databend' })).toBe(1);
    answers = { databend: false, s3: true, sqs: true };
    body = (await metrics.render()).body;
    expect(sample(body, 'bend_replicator_dependency_up', { dependency: 'databend' })).toBe(0);
    expect(sample(body, 'bend_replicator_dependency_up', { dependency: 's3' })).toBe(1);
  });
});
