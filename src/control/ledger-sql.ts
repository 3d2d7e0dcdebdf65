/**
 * The ledger (`<control>.files`): one row per loaded file, written in the batch's transaction, so
 * "is this file done?" has one answer that commits atomically with the data. A file is its
 * bucket, key and ETag: a new ETag under an old key (a DMS reload) is a new file.
 * `<control>.table_state` keeps paused tables across restarts. Their layout: control/migrations.ts.
 */
import { qualified, quoteIdent, quoteString, quoteTimestamp } from '../databend/quote.js';
import { optionalText, text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';
import { fileId } from '../files/file-ref.js';

export interface LedgerRow {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly table: string;
  readonly batchId: string;
  readonly kind: 'load' | 'cdc';
  readonly rows: number;
  readonly size: number;
  readonly eventTime: Date | undefined;
}

/** Every INSERT names its columns, so a column a later release adds does not break it. */
function columnList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}

const LEDGER_INSERT_COLUMNS = [
  'bucket',
  'object_key',
  'etag',
  'table_name',
  'batch_id',
  'file_kind',
  'row_count',
  'byte_size',
  'event_time',
  'loaded_at',
] as const;

function timestampLiteral(date: Date | undefined): string {
  return date === undefined ? 'NULL' : quoteTimestamp(date);
}

export function insertLedgerSql(controlDatabase: string, rows: readonly LedgerRow[]): string {
  const values = rows.map((r) =>
    [
      quoteString(r.bucket),
      quoteString(r.key),
      quoteString(r.etag),
      quoteString(r.table),
      quoteString(r.batchId),
      quoteString(r.kind),
      String(Math.trunc(r.rows)),
      String(Math.trunc(r.size)),
      timestampLiteral(r.eventTime),
      'now()',
    ].join(', '),
  );
  return `INSERT INTO ${qualified(controlDatabase, 'files')} (${columnList(LEDGER_INSERT_COLUMNS)}) VALUES (${values.join('), (')})`;
}

/**
 * The (key, etag) pairs of these keys that the ledger already holds; see loadedFileIds.
 * `loadedNotBefore`, when given, is a time none of the files can have been loaded before
 * (files/ledger-window.ts): the ledger is appended in `loaded_at` order, so Databend skips, by
 * their min/max, the segments and blocks written before it, and the look-up reads the newest
 * blocks only however old the ledger is. A single key compares with `=`, which Databend's bloom
 * index prunes by (an IN list of several it does not).
 */
export function loadedFilesSql(
  controlDatabase: string,
  bucket: string,
  keys: readonly string[],
  loadedNotBefore?: Date,
): string {
  const key = quoteIdent('object_key');
  const keyFilter =
    keys.length === 1
      ? `${key} = ${quoteString(keys[0] ?? '')}`
      : `${key} IN (${keys.map(quoteString).join(', ')})`;
  const window =
    loadedNotBefore === undefined
      ? ''
      : ` AND ${quoteIdent('loaded_at')} >= ${timestampLiteral(loadedNotBefore)}`;
  return (
    `SELECT ${key} AS object_key, ${quoteIdent('etag')} AS etag FROM ${qualified(controlDatabase, 'files')} ` +
    `WHERE ${quoteIdent('bucket')} = ${quoteString(bucket)} AND ${keyFilter}${window}`
  );
}

export function setTablePausedSql(
  controlDatabase: string,
  table: string,
  paused: boolean,
  reason: string | undefined,
): string[] {
  const target = qualified(controlDatabase, 'table_state');
  return [
    `DELETE FROM ${target} WHERE ${quoteIdent('table_name')} = ${quoteString(table)}`,
    `INSERT INTO ${target} (${columnList(['table_name', 'paused', 'reason', 'updated_at'])}) VALUES (${quoteString(table)}, ${paused}, ${reason === undefined ? 'NULL' : quoteString(reason)}, now())`,
  ];
}

export function pausedTablesSql(controlDatabase: string): string {
  return `SELECT ${quoteIdent('table_name')} AS table_name, ${quoteIdent('reason')} AS reason FROM ${qualified(controlDatabase, 'table_state')} WHERE ${quoteIdent('paused')}`;
}

export function pausedTablesFromRows(
  rows: readonly Row[],
): { table: string; reason: string | undefined }[] {
  return rows.map((row) => ({
    table: text(row, 'table_name'),
    reason: optionalText(row, 'reason'),
  }));
}

/** loadedFilesSql's rows: the (key, etag) pairs loaded. */
export function loadedPairs(rows: readonly Row[]): { key: string; etag: string }[] {
  return rows.map((r) => ({ key: text(r, 'object_key'), etag: text(r, 'etag') }));
}

/** loadedFilesSql's rows as fileIds. */
export function loadedFileIds(bucket: string, rows: readonly Row[]): Set<string> {
  return new Set(loadedPairs(rows).map((pair) => fileId({ bucket, ...pair })));
}

/** The key of one file the ledger holds for the table (which source feeds it). */
export function oneFileOfTableSql(controlDatabase: string, table: string): string {
  return (
    `SELECT ${quoteIdent('object_key')} AS object_key FROM ${qualified(controlDatabase, 'files')} ` +
    `WHERE ${quoteIdent('table_name')} = ${quoteString(table)} LIMIT 1`
  );
}
