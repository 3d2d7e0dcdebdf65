/**
 * `<control>.held_files`: files announced for a paused table. Their messages are acknowledged at
 * once (holding them would fill the consumer's in-flight limit and stall every table, and
 * returning them would walk them to the dead-letter queue); the rows here bring them back when
 * the table resumes. A file is removed from here once it is loaded.
 */
import { qualified, quoteIdent, quoteString, quoteTimestamp } from '../databend/quote.js';
import { numeric, text, timestampFromText } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';
import type { S3FileRef } from '../files/file-ref.js';

const HELD = 'held_files';
// Named in every INSERT (the layout is in control/migrations.ts), so added columns break nothing.
const HELD_COLUMNS = [
  'table_name',
  'bucket',
  'object_key',
  'etag',
  'byte_size',
  'event_time',
  'held_at',
] as const;

export function holdFileSql(controlDatabase: string, table: string, ref: S3FileRef): string {
  return (
    `INSERT INTO ${qualified(controlDatabase, HELD)} (${HELD_COLUMNS.map(quoteIdent).join(', ')}) ` +
    `VALUES (${quoteString(table)}, ${quoteString(ref.bucket)}, ` +
    `${quoteString(ref.key)}, ${quoteString(ref.etag)}, ${Math.trunc(ref.size)}, ${quoteTimestamp(ref.eventTime)}, now())`
  );
}

/** Held files of one table, oldest first; `event_time` as text keeps its microseconds. */
export function heldFilesSql(controlDatabase: string, table: string): string {
  return (
    `SELECT DISTINCT bucket, object_key, etag, byte_size::STRING AS byte_size, event_time::STRING AS event_time ` +
    `FROM ${qualified(controlDatabase, HELD)} WHERE ${quoteIdent('table_name')} = ${quoteString(table)} ORDER BY event_time`
  );
}

/** A row of heldFilesSql as the file it stands for. */
export function heldFileFromRow(row: Row): S3FileRef {
  return {
    bucket: text(row, 'bucket'),
    key: text(row, 'object_key'),
    etag: text(row, 'etag'),
    size: numeric(row, 'byte_size'),
    eventTime: timestampFromText(text(row, 'event_time')),
    eventName: 'held',
  };
}

/** Per table: how many files are held and the oldest one's event time (as text, UTC). */
export function heldSummarySql(controlDatabase: string): string {
  const c = quoteIdent;
  return (
    `SELECT ${c('table_name')} AS table_name, count(*)::STRING AS files, ` +
    `min(${c('event_time')})::STRING AS oldest_event_time ` +
    `FROM ${qualified(controlDatabase, HELD)} GROUP BY ${c('table_name')}`
  );
}

/** Files held for a paused table: a row of heldSummarySql. */
export interface HeldSummary {
  readonly table: string;
  readonly files: number;
  readonly oldestEventTime: Date;
}

export function heldSummaryFromRow(row: Row): HeldSummary {
  return {
    table: text(row, 'table_name'),
    files: numeric(row, 'files'),
    oldestEventTime: timestampFromText(text(row, 'oldest_event_time')),
  };
}

/** Tables with held files (to release those whose pause ended while the service was down). */
export function tablesWithHeldFilesSql(controlDatabase: string): string {
  return `SELECT DISTINCT ${quoteIdent('table_name')} AS table_name FROM ${qualified(controlDatabase, HELD)}`;
}

export function tablesWithHeldFiles(rows: readonly Row[]): string[] {
  return rows.map((row) => text(row, 'table_name'));
}

export function releaseFileSql(
  controlDatabase: string,
  ref: Pick<S3FileRef, 'bucket' | 'key' | 'etag'>,
): string {
  return (
    `DELETE FROM ${qualified(controlDatabase, HELD)} WHERE bucket = ${quoteString(ref.bucket)} ` +
    `AND object_key = ${quoteString(ref.key)} AND etag = ${quoteString(ref.etag)}`
  );
}
