/**
 * The service's Prometheus metrics: its own registry (nothing global), Node's default metrics on
 * it, the pipeline's metrics fed by its events, and the pending-work gauges computed at scrape
 * time from a callback the pipeline provides.
 *
 * Lag is computed at scrape time too, from the oldest file waiting (queued, or held for a paused
 * table): a quiet table reads 0 and a stuck one grows. The figures at each commit are kept as
 * `commit_lag_seconds`.
 *
 * Node's default metrics keep their standard names (`process_*`, `nodejs_*`) rather than taking
 * the `bend_replicator_` prefix: stock dashboards and alert rules for Node processes expect them,
 * and Prometheus's `job`/`instance` labels already say which service they belong to.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { combineUndo, type PipelineEvents } from '../events.js';
import { defineMetrics, type LagKind, type MetricSet } from './definitions.js';

/** One table's waiting work, as the pipeline sees it at scrape time. */
export interface PendingTable {
  table: string;
  /** Files received (by event or sweep) and not yet committed or given up on. */
  files: number;
  /** The S3 event time of the oldest of them. */
  oldestEventTime: Date;
}

/** Files held for a paused table, as last read from `<control>.held_files`. */
export interface HeldTable {
  table: string;
  files: number;
  oldestEventTime: Date;
}

/** The replicas' lease as this process sees it at scrape time. */
export interface LeaseView {
  readonly active: boolean;
  readonly holder: { readonly owner: string; readonly token: number } | undefined;
}

export type PendingSource = () => readonly PendingTable[] | Promise<readonly PendingTable[]>;
export type HeldSource = () => readonly HeldTable[];
/** Dependency name (databend, s3, sqs) → whether it answered. */
export type DependencySource = () => Promise<Readonly<Record<string, boolean>>>;

/** Which release runs where: `bend_replicator_build_info`'s labels. */
export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly node: string;
}

export interface MetricsOptions {
  /** Registers Node's process and runtime metrics too; default true. */
  defaultMetrics?: boolean;
  /** The clock for lag and ages, in epoch milliseconds. */
  now?: () => number;
  /** Told when the pending source throws; the scrape then shows the previous values. */
  onCollectError?: (error: unknown) => void;
  build?: BuildInfo;
}

const OUTCOMES = ['done', 'ignored', 'retry', 'poison'] as const;

function seconds(ms: number): number {
  return ms / 1000;
}

export class Metrics {
  readonly registry = new Registry();
  readonly #metrics: MetricSet;
  readonly #now: () => number;
  readonly #onCollectError: (error: unknown) => void;
  #pendingSource: PendingSource | undefined;
  #heldSource: HeldSource | undefined;
  #dependencySource: DependencySource | undefined;
  /** Tables that had pending or held work once: they show 0 afterwards rather than vanishing. */
  #leaseSource: (() => LeaseView) | undefined;
  readonly #pendingTables = new Set<string>();

  constructor(options: MetricsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#onCollectError = options.onCollectError ?? (() => undefined);
    this.#metrics = defineMetrics(this.registry);
    // prom-client samples event-loop delay every 10 ms by default: a hundred wake-ups a second,
    // more than half of what an idle service spends on CPU (`npm run bench -- resources`). Every
    // 100 ms still shows a stalled loop.
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    // Zero series from the start, so rate() and increase() see the first message of each kind.
    for (const outcome of OUTCOMES) this.#metrics.messageOutcomes.inc({ outcome }, 0);
    for (const result of ['ok', 'error']) {
      this.#metrics.retentionRuns.inc({ result }, 0);
      this.#metrics.compactionTables.inc({ result }, 0);
    }
    this.#metrics.retentionRowsDeleted.inc(0);
    const build = options.build ?? { version: 'unknown', commit: 'unknown', node: 'unknown' };
    this.#metrics.buildInfo.set({ ...build }, 1);
    this.#metrics.leaseTakeovers.inc(0);
    this.#metrics.leaseLosses.inc(0);
  }

  /** The pipeline's view of waiting work, read at every scrape. */
  setPendingSource(source: PendingSource): void {
    this.#pendingSource = source;
  }

  /** Files held for paused tables, read at every scrape. */
  setHeldSource(source: HeldSource): void {
    this.#heldSource = source;
  }

  /** Probes of Databend, S3 and SQS, run (or their cached result taken) at every scrape. */
  setDependencySource(source: DependencySource): void {
    this.#dependencySource = source;
  }

  /** Last commits found in the ledger at start-up; a commit of this process overrides them. */
  recordLastCommits(lastCommits: ReadonlyMap<string, Date>): void {
    for (const [table, at] of lastCommits)
      this.#metrics.lastCommit.set({ table }, seconds(at.getTime()));
  }

  /** This replica's view of the lease, read at every scrape. */
  setLeaseSource(source: () => LeaseView): void {
    this.#leaseSource = source;
  }

  /** The Prometheus text exposition of every metric, pending work read from the pipeline first.
   * Serve this rather than `registry.metrics()`, which would show stale pending gauges. */
  async render(): Promise<{ contentType: string; body: string }> {
    await Promise.all([this.#collectPending(), this.#collectDependencies()]);
    this.#collectLease();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Updates metrics from the pipeline's events; returns a function that unsubscribes. */
  subscribe(events: PipelineEvents): () => void {
    const m = this.#metrics;
    return combineUndo([
      events.on('batch:committed', (e) => {
        const table = e.table;
        m.batches.inc({ table, result: 'committed' });
        m.filesLoaded.inc({ table }, e.files);
        for (const op of ['I', 'U', 'D'] as const) m.rowsLoaded.inc({ table, op }, e.rows[op]);
        m.rowsMerged.inc({ table }, e.rowsMerged);
        m.copyDuration.observe({ table }, seconds(e.copyMs));
        m.mergeDuration.observe({ table }, seconds(e.mergeMs));
        m.batchDuration.observe({ table }, seconds(e.totalMs));
        this.#setCommitLag(table, 'event', e.oldestEventTime);
        this.#setCommitLag(table, 'commit', e.newestCommitTime);
        m.lastCommit.set({ table }, seconds(this.#now()));
      }),
      events.on('batch:failed', (e) => {
        const result =
          e.bug === true ? 'failed_bug' : e.transient ? 'failed_transient' : 'failed_permanent';
        m.batches.inc({ table: e.table, result });
      }),
      events.on('file:outcome', (e) => {
        m.messageOutcomes.inc({ outcome: e.outcome });
      }),
      events.on('table:paused', (e) => {
        m.tablesPaused.set({ table: e.table }, 1);
      }),
      events.on('table:resumed', (e) => {
        m.tablesPaused.set({ table: e.table }, 0);
      }),
      events.on('file:found-by-sweep', (e) => {
        m.filesFoundBySweep.inc({ table: e.table });
      }),
      events.on('dms:settings-warning', (e) => {
        m.dmsSettingsWarnings.inc({ table: e.table, setting: e.setting });
      }),
      events.on('table:raw-only', (e) => {
        m.filesRawOnly.inc({ table: e.table }, e.files);
      }),
      events.on('reload:seen', (e) => {
        m.reloadsSeen.inc({ table: e.table });
      }),
      events.on('reload:applied', (e) => {
        m.reloadKeysTombstoned.inc({ table: e.table }, e.tombstoned);
      }),
      events.on('databend:error', (e) => {
        m.databendErrors.inc({ code: String(e.code) });
      }),
      events.on('retention:completed', (e) => {
        m.retentionRuns.inc({ result: 'ok' });
        m.retentionRowsDeleted.inc(e.rowsDeleted);
      }),
      events.on('batch:conflict', (e) => {
        m.batchConflicts.inc({ table: e.table });
      }),
      events.on('batch:fenced', (e) => {
        m.batchesFenced.inc({ table: e.table });
      }),
      events.on('lease:acquired', () => {
        m.leaseTakeovers.inc();
      }),
      events.on('lease:lost', () => {
        m.leaseLosses.inc();
      }),
      events.on('retention:failed', () => {
        m.retentionRuns.inc({ result: 'error' });
      }),
      events.on('compaction:finished', (e) => {
        m.compactionTables.inc({ result: 'ok' }, e.ok);
        m.compactionTables.inc({ result: 'error' }, e.failed.length);
        m.compactionSeconds.set(e.durationMs / 1000);
      }),
    ]);
  }

  #setCommitLag(table: string, kind: LagKind, time: Date | undefined): void {
    if (time === undefined) return;
    // Clocks of S3, the source database and this host differ slightly; lag is never negative.
    const lag = Math.max(0, seconds(this.#now() - time.getTime()));
    this.#metrics.commitLag.set({ table, kind }, lag);
  }

  async #collectDependencies(): Promise<void> {
    const source = this.#dependencySource;
    if (source === undefined) return;
    try {
      for (const [dependency, up] of Object.entries(await source()))
        this.#metrics.dependencyUp.set({ dependency }, up ? 1 : 0);
    } catch (error) {
      this.#onCollectError(error);
    }
  }

  #collectLease(): void {
    const view = this.#leaseSource?.();
    if (view === undefined) return;
    this.#metrics.leaseHeld.set(view.active ? 1 : 0);
    this.#metrics.activeReplica.reset();
    if (view.holder !== undefined && view.holder.owner !== '')
      this.#metrics.activeReplica.set(
        { owner: view.holder.owner, token: String(view.holder.token) },
        1,
      );
  }

  async #collectPending(): Promise<void> {
    const source = this.#pendingSource;
    if (source === undefined) return;
    let pending: readonly PendingTable[];
    try {
      pending = await source();
    } catch (error) {
      this.#onCollectError(error);
      return;
    }
    const held = this.#heldSource?.() ?? [];
    const now = this.#now();
    const age = (time: Date): number => Math.max(0, seconds(now - time.getTime()));
    const waiting = new Map<string, { pending: number; held: number; oldest: number }>();
    for (const table of this.#pendingTables) waiting.set(table, { pending: 0, held: 0, oldest: 0 });
    for (const { table, files, oldestEventTime } of pending) {
      const entry = waiting.get(table) ?? { pending: 0, held: 0, oldest: 0 };
      entry.pending = files;
      if (files > 0) entry.oldest = Math.max(entry.oldest, age(oldestEventTime));
      waiting.set(table, entry);
    }
    for (const { table, files, oldestEventTime } of held) {
      const entry = waiting.get(table) ?? { pending: 0, held: 0, oldest: 0 };
      entry.held = files;
      if (files > 0) entry.oldest = Math.max(entry.oldest, age(oldestEventTime));
      waiting.set(table, entry);
    }
    const pendingAge = new Map(
      pending.map((p) => [p.table, p.files > 0 ? age(p.oldestEventTime) : 0]),
    );
    for (const [table, entry] of waiting) {
      this.#pendingTables.add(table);
      this.#metrics.pendingFiles.set({ table }, entry.pending);
      this.#metrics.oldestPendingAge.set({ table }, pendingAge.get(table) ?? 0);
      this.#metrics.heldFiles.set({ table }, entry.held);
      this.#metrics.lag.set({ table }, entry.oldest);
    }
  }
}
