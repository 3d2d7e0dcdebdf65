/**
 * `<control>.reloads`: one row per full-load generation the service saw begin (a LOAD key with a
 * new ETag, or the table's LOAD files removed), until it was applied as a snapshot. Outlasts
 * restarts, and tells the CLI and the service the same thing.
 */
import { qualified, quoteIdent, quoteString, quoteTimestamp } from '../databend/quote.js';
import { optionalText, text, timestampFromText } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

export const RELOADS_COLUMNS: readonly (readonly [string, string])[] = [
  ['table_name', 'VARCHAR'],
  ['source', 'VARCHAR'],
  ['generation', 'VARCHAR'],
  ['removed_at', 'TIMESTAMP NULL'],
  ['detected_at', 'TIMESTAMP'],
  ['applied_at', 'TIMESTAMP NULL'],
  ['boundary_seq', 'VARCHAR NULL'],
  ['tombstoned', 'BIGINT NULL'],
];

export function openReloadSql(
  control: string,
  r: { table: string; source: string; generation: string; removedAt: Date | undefined },
): string {
  return (
    `INSERT INTO ${qualified(control, 'reloads')} (table_name, source, generation, removed_at, detected_at) ` +
    `VALUES (${quoteString(r.table)}, ${quoteString(r.source)}, ${quoteString(r.generation)}, ` +
    `${r.removedAt === undefined ? 'NULL' : quoteTimestamp(r.removedAt)}, now())`
  );
}

/** Generations not applied yet, oldest first. */
export function openReloadsSql(control: string, table?: string): string {
  const where =
    table === undefined ? '' : ` AND ${quoteIdent('table_name')} = ${quoteString(table)}`;
  return (
    `SELECT table_name, source, generation, removed_at FROM ${qualified(control, 'reloads')} ` +
    `WHERE applied_at IS NULL${where} ORDER BY detected_at`
  );
}

/** A generation begun and not applied yet: a row of openReloadsSql. */
export interface OpenReload {
  readonly table: string;
  readonly generation: string;
  /** `<schema>.<table>` of the source. */
  readonly source: string;
  readonly removedAt: Date | undefined;
}

export function openReloadFromRow(row: Row): OpenReload {
  const removed = row.removed_at;
  const removedText = optionalText(row, 'removed_at');
  return {
    table: text(row, 'table_name'),
    generation: text(row, 'generation'),
    source: text(row, 'source'),
    removedAt:
      removed instanceof Date
        ? removed
        : removedText === undefined || removedText === ''
          ? undefined
          : timestampFromText(removedText),
  };
}

export function markReloadAppliedSql(
  control: string,
  generation: string,
  boundary: string,
  tombstoned: number,
): string {
  return (
    `UPDATE ${qualified(control, 'reloads')} SET applied_at = now(), boundary_seq = ${quoteString(boundary)}, ` +
    `tombstoned = ${Math.trunc(tombstoned)} WHERE generation = ${quoteString(generation)}`
  );
}

/** The table's LOAD files in the ledger, and the key of its newest CDC file. */
export function ledgerLoadFilesSql(control: string, table: string): string {
  return (
    `SELECT object_key, etag, batch_id FROM ${qualified(control, 'files')} ` +
    `WHERE table_name = ${quoteString(table)} AND file_kind = 'load'`
  );
}

export function newestCdcFileSql(control: string, table: string): string {
  return (
    `SELECT max(object_key) AS object_key FROM ${qualified(control, 'files')} ` +
    `WHERE table_name = ${quoteString(table)} AND file_kind = 'cdc'`
  );
}

/** One key of the table's files: where its source schema and table are read from. */
export function tableFileKeySql(control: string, table: string): string {
  return (
    `SELECT object_key FROM ${qualified(control, 'files')} ` +
    `WHERE table_name = ${quoteString(table)} LIMIT 1`
  );
}

/** ledgerLoadFilesSql's rows. */
export function ledgerLoadFiles(
  rows: readonly Row[],
): { key: string; etag: string; batchId: string }[] {
  return rows.map((row) => ({
    key: text(row, 'object_key'),
    etag: text(row, 'etag'),
    batchId: text(row, 'batch_id'),
  }));
}

/** newestCdcFileSql's answer: undefined when the table has no CDC file loaded. */
export function newestCdcKey(rows: readonly Row[]): string | undefined {
  const [row] = rows;
  return row === undefined ? undefined : optionalText(row, 'object_key');
}

/**
 * How many of the table's generations were seen at or after `since` and are applied: a queued
 * LOAD event overtaken by a generation already handled opens no new one.
 */
export function appliedSinceSql(control: string, table: string, since: Date): string {
  return (
    `SELECT count(*)::STRING AS n FROM ${qualified(control, 'reloads')} ` +
    `WHERE table_name = ${quoteString(table)} AND applied_at IS NOT NULL AND detected_at >= ${quoteTimestamp(since)}`
  );
}

/** appliedSinceSql's count. */
export function appliedCount(rows: readonly Row[]): number {
  const [row] = rows;
  return row === undefined ? 0 : Number(text(row, 'n'));
}
