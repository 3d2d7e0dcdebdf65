/**
 * Every metric the service exports, on one registry the caller owns. Names carry the
 * `bend_replicator_` prefix and base units (seconds, rows, files); counters end in `_total`.
 * Labels are bounded: `table` (the configured source tables), `op`, `result`, `outcome`, `kind`,
 * Databend error `code` — never a file key or a batch id.
 *
 * docs/metrics.md lists the same set; a unit test keeps the two in step.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'bend_replicator_';

/** Seconds: COPY and MERGE of a batch range from tens of milliseconds to minutes (2 GiB). */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

export type BatchResult = 'committed' | 'failed_transient' | 'failed_permanent' | 'failed_bug';
export type LagKind = 'event' | 'commit';

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  return new Counter({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Gauge<L> {
  return new Gauge({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });
}

function durationHistogram(registry: Registry, name: string, help: string): Histogram<'table'> {
  return new Histogram({
    name: METRIC_PREFIX + name,
    help,
    labelNames: ['table'],
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers: [registry],
  });
}

/** Builds the service's metrics on `registry`; the result is what the subscribers update. */
export function defineMetrics(registry: Registry) {
  return {
    filesLoaded: counter(
      registry,
      'files_loaded_total',
      'Files loaded into raw (each counted once, when its batch commits).',
      ['table'],
    ),
    rowsLoaded: counter(
      registry,
      'rows_loaded_total',
      'Change rows appended to raw by COPY, by DMS operation (I, U, D).',
      ['table', 'op'],
    ),
    rowsMerged: counter(
      registry,
      'rows_merged_total',
      'ODS rows the MERGE inserted, updated or tombstoned.',
      ['table'],
    ),
    batches: counter(
      registry,
      'batches_total',
      'Batch transactions by result: committed, failed_transient (retried), failed_permanent, failed_bug (an internal error; retried through the queue).',
      ['table', 'result'],
    ),
    copyDuration: durationHistogram(
      registry,
      'copy_duration_seconds',
      'Time the COPY INTO raw of a committed batch took.',
    ),
    mergeDuration: durationHistogram(
      registry,
      'merge_duration_seconds',
      'Time the MERGE INTO ods of a committed batch took.',
    ),
    batchDuration: durationHistogram(
      registry,
      'batch_duration_seconds',
      'Time a committed batch transaction took, first statement to COMMIT.',
    ),
    lag: gauge(
      registry,
      'lag_seconds',
      'At scrape time: now minus the S3 event time of the oldest file waiting for the table, ' +
        'queued or held while it is paused; 0 when nothing waits (a quiet table).',
      ['table'],
    ),
    commitLag: gauge(
      registry,
      'commit_lag_seconds',
      'At the last commit: commit time minus the oldest S3 event time of its files (kind="event"), ' +
        'or minus the newest DMS commit time it loaded (kind="commit").',
      ['table', 'kind'],
    ),
    lastCommit: gauge(
      registry,
      'last_commit_timestamp_seconds',
      'When a batch of the table last committed, Unix time; from the ledger at start-up.',
      ['table'],
    ),
    heldFiles: gauge(
      registry,
      'held_files',
      'Files held for a paused table (loaded when it resumes), at scrape time.',
      ['table'],
    ),
    dependencyUp: gauge(
      registry,
      'dependency_up',
      '1 when the dependency (databend, s3, sqs) answered its last probe, else 0; probed at ' +
        'scrape time at most every 2 s.',
      ['dependency'],
    ),
    buildInfo: gauge(
      registry,
      'build_info',
      'Always 1; the labels say which release runs where: version, commit, node (host name).',
      ['version', 'commit', 'node'],
    ),
    pendingFiles: gauge(
      registry,
      'pending_files',
      'Files received and waiting to be loaded, at scrape time.',
      ['table'],
    ),
    oldestPendingAge: gauge(
      registry,
      'oldest_pending_age_seconds',
      'Age of the oldest waiting file (now minus its S3 event time), at scrape time; 0 when none.',
      ['table'],
    ),
    messageOutcomes: counter(
      registry,
      'message_outcomes_total',
      'SQS messages by outcome: done, ignored, retry, poison.',
      ['outcome'],
    ),
    databendErrors: counter(
      registry,
      'databend_errors_total',
      'Errors from Databend by server error code ("transport" when it was not reached).',
      ['code'],
    ),
    tablesPaused: gauge(
      registry,
      'tables_paused',
      '1 while a table is paused after a poison file or an incompatible schema change, else 0.',
      ['table'],
    ),
    filesFoundBySweep: counter(
      registry,
      'files_found_by_sweep_total',
      'Files the reconciliation sweep or backfill found missing from the ledger and queued.',
      ['table'],
    ),
    dmsSettingsWarnings: counter(
      registry,
      'dms_settings_warnings_total',
      'Warnings that the files of a table suggest a DMS setting that loses changes ' +
        '(setting: CdcInsertsAndUpdates, IncludeOpForFullLoad); at most one per table, setting and process.',
      ['table', 'setting'],
    ),
    reloadsSeen: counter(
      registry,
      'reloads_seen_total',
      'New full-load generations seen per table (a LOAD key with a new ETag, or its LOAD files removed).',
      ['table'],
    ),
    reloadKeysTombstoned: counter(
      registry,
      'reload_keys_tombstoned_total',
      'ODS keys deleted because a complete reload (a new full load) lacked them.',
      ['table'],
    ),
    filesRawOnly: counter(
      registry,
      'files_raw_only_total',
      'Files loaded to raw only because no primary key is configured for their table (no ODS).',
      ['table'],
    ),
    retentionRowsDeleted: counter(
      registry,
      'raw_retention_rows_deleted_total',
      'Raw change rows deleted by retention.',
      [],
    ),
    retentionRuns: counter(
      registry,
      'raw_retention_runs_total',
      'Raw retention runs by result: ok, error.',
      ['result'],
    ),
    compactionTables: counter(
      registry,
      'raw_compactions_total',
      'Raw tables compacted by the scheduled compaction (maintenance.compactCron), by result: ok, error.',
      ['result'],
    ),
    compactionSeconds: gauge(
      registry,
      'raw_compaction_last_duration_seconds',
      'How long the last scheduled compaction of the raw tables took.',
      [],
    ),
    leaseHeld: gauge(
      registry,
      'lease_held',
      "1 while this replica holds the replicas' lease (the active writer), 0 while it stands by.",
      [],
    ),
    leaseTakeovers: counter(
      registry,
      'lease_takeovers_total',
      "Times this replica took the replicas' lease and became the active writer.",
      [],
    ),
    leaseLosses: counter(
      registry,
      'lease_losses_total',
      'Times this replica stopped being the active writer other than by shutting down.',
      [],
    ),
    activeReplica: gauge(
      registry,
      'active_replica',
      'The active writer as this replica last read the lease: 1 for its owner (host/pid) and fencing token.',
      ['owner', 'token'],
    ),
    batchConflicts: counter(
      registry,
      'batch_conflicts_total',
      'Batches that ran again because another writer committed to their table first (4001/2011).',
      ['table'],
    ),
    batchesFenced: counter(
      registry,
      'batches_fenced_total',
      'Batches not committed because this process may not write (no lease, or a newer token claimed the table).',
      ['table'],
    ),
  };
}

export type MetricSet = ReturnType<typeof defineMetrics>;
