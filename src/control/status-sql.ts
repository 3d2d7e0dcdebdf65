/**
 * What `status` reads: per table, the ledger's totals and its last batch, and the table's pause
 * state. Counts come back as text (they may exceed what the driver returns as a number).
 */
import { qualified, quoteIdent, quoteString, quoteTimestamp } from '../databend/quote.js';
import { numeric, optionalText, text, timestampFromText } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

/**
 * Per table: files and rows loaded, the newest S3 event time, the last load, and the lag
 * (seconds from the newest event time to the server's now, so no client clock is involved).
 * Times come back as text (UTC), decoded by ledgerTotalsFromRows.
 */
export function ledgerTotalsSql(controlDatabase: string): string {
  const c = quoteIdent;
  return (
    `SELECT ${c('table_name')} AS table_name, count(*)::STRING AS files, sum(${c('row_count')})::STRING AS row_count, ` +
    `max(${c('event_time')})::STRING AS newest_event, max(${c('loaded_at')})::STRING AS last_loaded, ` +
    `(to_unix_timestamp(now()) - to_unix_timestamp(max(${c('event_time')})))::STRING AS lag_seconds ` +
    `FROM ${qualified(controlDatabase, 'files')} GROUP BY ${c('table_name')} ORDER BY table_name`
  );
}

/** A table's row of ledgerTotalsSql. */
export interface LedgerTotals {
  readonly table: string;
  readonly files: number;
  readonly rows: number;
  readonly newestEvent: Date | undefined;
  readonly lastLoaded: Date | undefined;
  readonly lagSeconds: number | undefined;
}

function optionalTimestamp(row: Row, column: string): Date | undefined {
  const value = optionalText(row, column);
  const at = value === undefined ? undefined : timestampFromText(value);
  return at === undefined || Number.isNaN(at.getTime()) ? undefined : at;
}

export function ledgerTotalsFromRows(rows: readonly Row[]): LedgerTotals[] {
  return rows.map((row) => {
    const lag = optionalText(row, 'lag_seconds');
    return {
      table: text(row, 'table_name'),
      files: numeric(row, 'files'),
      rows: Number(optionalText(row, 'row_count') ?? 0),
      newestEvent: optionalTimestamp(row, 'newest_event'),
      lastLoaded: optionalTimestamp(row, 'last_loaded'),
      lagSeconds: lag === undefined ? undefined : Number(lag),
    };
  });
}

/**
 * A batch's ledger rows are written by one INSERT, so their `loaded_at` lie within moments of
 * each other: a table's last batch has all its rows within this much of the table's last load.
 */
const LAST_BATCH_WINDOW_MS = 60_000;

/**
 * Per table, its most recent batch: id, when it committed, its files and rows. Each table reads
 * only its rows loaded within a minute of its last load (`lastLoaded`, from ledgerTotalsSql), so
 * Databend skips the older blocks by their min/max of `loaded_at`: grouping the whole ledger by
 * batch took 20 s at 20 M rows, this 0.2–0.4 s. Undefined when no table has loaded a file.
 */
export function lastBatchesSql(
  controlDatabase: string,
  lastLoaded: ReadonlyMap<string, Date>,
): string | undefined {
  if (lastLoaded.size === 0) return undefined;
  const c = quoteIdent;
  const windows = [...lastLoaded]
    .map(
      ([table, at]) =>
        `(${c('table_name')} = ${quoteString(table)} AND ${c('loaded_at')} >= ` +
        `${quoteTimestamp(new Date(at.getTime() - LAST_BATCH_WINDOW_MS))})`,
    )
    .join(' OR ');
  const perBatch =
    `SELECT ${c('table_name')} AS table_name, ${c('batch_id')} AS batch_id, count(*)::STRING AS files, ` +
    `sum(${c('row_count')})::STRING AS row_count, max(${c('loaded_at')}) AS loaded_at ` +
    `FROM ${qualified(controlDatabase, 'files')} WHERE ${windows} GROUP BY ${c('table_name')}, ${c('batch_id')}`;
  // QUALIFY may not hold aggregates, hence the sub-query.
  return (
    `SELECT table_name, batch_id, files, row_count, loaded_at::STRING AS loaded_at FROM (${perBatch}) ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY table_name ORDER BY loaded_at DESC, batch_id DESC) = 1`
  );
}

/** A table's last batch: a row of lastBatchesSql. */
export interface LastBatch {
  readonly id: string;
  readonly loadedAt: Date;
  readonly files: number;
  readonly rows: number;
}

/** lastBatchesSql's rows: table → its last batch. */
export function lastBatchesFromRows(rows: readonly Row[]): Map<string, LastBatch> {
  const batches = new Map<string, LastBatch>();
  for (const row of rows) {
    const loadedAt = optionalTimestamp(row, 'loaded_at');
    if (loadedAt === undefined) continue;
    batches.set(text(row, 'table_name'), {
      id: text(row, 'batch_id'),
      loadedAt,
      files: numeric(row, 'files'),
      rows: Number(optionalText(row, 'row_count') ?? 0),
    });
  }
  return batches;
}

/**
 * Every table's current pause state: the newest row per table (pause and resume write a row
 * each time; two writers at once could leave two).
 */
export function tableStatesSql(controlDatabase: string): string {
  const c = quoteIdent;
  return (
    `SELECT ${c('table_name')} AS table_name, ${c('paused')} AS paused, ${c('reason')} AS reason, ` +
    `${c('updated_at')} AS updated_at FROM ${qualified(controlDatabase, 'table_state')} ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${c('table_name')} ORDER BY ${c('updated_at')} DESC) = 1`
  );
}

/** A table's pause state: a row of tableStatesSql. */
export interface TableState {
  readonly table: string;
  readonly paused: boolean;
  readonly reason: string | undefined;
  /** When it was last paused or resumed (the driver's TIMESTAMP value). */
  readonly updatedAt: unknown;
}

export function tableStatesFromRows(rows: readonly Row[]): TableState[] {
  return rows.map((row) => ({
    table: text(row, 'table_name'),
    paused: row.paused === true,
    reason: optionalText(row, 'reason'),
    updatedAt: row.updated_at,
  }));
}

/** One row when the ledger holds any file of the table. */
export function tableHasFilesSql(controlDatabase: string, table: string): string {
  return (
    `SELECT 1 AS found FROM ${qualified(controlDatabase, 'files')} ` +
    `WHERE ${quoteIdent('table_name')} = ${quoteString(table)} LIMIT 1`
  );
}

/** Per table, when its last batch committed (as text, UTC): seeds last_commit_timestamp_seconds. */
export function lastCommitsSql(controlDatabase: string): string {
  const c = quoteIdent;
  return (
    `SELECT ${c('table_name')} AS table_name, max(${c('loaded_at')})::STRING AS last_loaded ` +
    `FROM ${qualified(controlDatabase, 'files')} GROUP BY ${c('table_name')}`
  );
}

/** lastCommitsSql's rows: table → when its last batch committed. */
export function lastCommitsFromRows(rows: readonly Row[]): Map<string, Date> {
  const commits = new Map<string, Date>();
  for (const row of rows) {
    const at = timestampFromText(text(row, 'last_loaded'));
    if (!Number.isNaN(at.getTime())) commits.set(text(row, 'table_name'), at);
  }
  return commits;
}
