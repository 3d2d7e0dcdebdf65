/**
 * Raw retention: raw is an append-only change log, so it grows without end unless old rows go.
 * ODS never needs them again (each change was merged when it was loaded), and a rebuild of ODS
 * from raw keeps ODS rows whose changes are gone (see replay-sql.ts).
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

/** The raw database's tables that carry `_loaded_at`: the change logs this service writes. */
export function rawTablesSql(rawDatabase: string): string {
  return (
    `SELECT DISTINCT ${quoteIdent('table')} AS table_name FROM system.columns ` +
    `WHERE ${quoteIdent('database')} = ${quoteString(rawDatabase)} AND name = '_loaded_at' ` +
    `ORDER BY table_name`
  );
}

export function rawTableNames(rows: readonly Row[]): string[] {
  return rows.map((row) => text(row, 'table_name'));
}

/** Deletes the rows loaded more than `days` days ago; the driver reports the rows deleted. */
export function purgeRawSql(rawDatabase: string, table: string, days: number): string {
  if (!Number.isSafeInteger(days) || days < 1)
    throw new RangeError(`retention days must be a positive integer, got ${days}`);
  return (
    `DELETE FROM ${qualified(rawDatabase, table)} ` +
    `WHERE ${quoteIdent('_loaded_at')} < now() - INTERVAL ${days} DAY`
  );
}
