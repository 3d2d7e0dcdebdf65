/**
 * `<control>.schema_version` (one row per applied migration) and the migration lock.
 *
 * The lock is a table, `<control>.migration_lock`: CREATE TABLE without IF NOT EXISTS succeeds
 * for exactly one of any number of processes racing (the others get 2302 TableAlreadyExists),
 * and DROP TABLE releases it. It needs no transaction and no clock but the server's.
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { numeric, optionalText } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';
import type { Migration } from './migrations.js';

const VERSIONS = 'schema_version';
export const LOCK_TABLE = 'migration_lock';

export function createSchemaVersionSql(controlDatabase: string): string[] {
  const c = quoteIdent;
  return [
    `CREATE DATABASE IF NOT EXISTS ${c(controlDatabase)}`,
    `CREATE TABLE IF NOT EXISTS ${qualified(controlDatabase, VERSIONS)} (` +
      `${c('version')} INT, ${c('description')} VARCHAR, ${c('applied_at')} TIMESTAMP, ${c('applied_by')} VARCHAR)`,
  ];
}

/** The highest applied version as text, '0' when none is. */
export function currentVersionSql(controlDatabase: string): string {
  return `SELECT coalesce(max(${quoteIdent('version')}), 0)::STRING AS version FROM ${qualified(controlDatabase, VERSIONS)}`;
}

export function versionFromRows(rows: readonly Row[]): number {
  const [row] = rows;
  return row === undefined ? 0 : numeric(row, 'version');
}

export function recordVersionSql(
  controlDatabase: string,
  migration: Migration,
  appliedBy: string,
): string {
  const c = quoteIdent;
  return (
    `INSERT INTO ${qualified(controlDatabase, VERSIONS)} (${c('version')}, ${c('description')}, ${c('applied_at')}, ${c('applied_by')}) ` +
    `VALUES (${Math.trunc(migration.version)}, ${quoteString(migration.description)}, now(), ${quoteString(appliedBy)})`
  );
}

/** Fails with 2302 when another process holds the lock. */
export function createLockSql(controlDatabase: string): string {
  const c = quoteIdent;
  return `CREATE TABLE ${qualified(controlDatabase, LOCK_TABLE)} (${c('holder')} VARCHAR, ${c('taken_at')} TIMESTAMP)`;
}

/** Who holds the lock, for the messages of those waiting. */
export function nameLockHolderSql(controlDatabase: string, holder: string): string {
  const c = quoteIdent;
  return `INSERT INTO ${qualified(controlDatabase, LOCK_TABLE)} (${c('holder')}, ${c('taken_at')}) VALUES (${quoteString(holder)}, now())`;
}

/** The lock's age in whole seconds, as text; no row when nobody holds it. */
export function lockAgeSql(controlDatabase: string): string {
  return (
    `SELECT (to_unix_timestamp(now()) - to_unix_timestamp(created_on))::STRING AS age_seconds ` +
    `FROM system.tables WHERE database = ${quoteString(controlDatabase)} AND name = ${quoteString(LOCK_TABLE)}`
  );
}

/** lockAgeSql's answer: undefined when no one holds the lock. */
export function lockAgeFromRows(rows: readonly Row[]): number | undefined {
  const [row] = rows;
  return row === undefined ? undefined : numeric(row, 'age_seconds');
}

/** The lock's holder; no row while the holder has yet to name itself. */
export function lockHolderSql(controlDatabase: string): string {
  return `SELECT ${quoteIdent('holder')} AS holder FROM ${qualified(controlDatabase, LOCK_TABLE)}`;
}

export function lockHolderFromRows(rows: readonly Row[]): string | undefined {
  const [row] = rows;
  return row === undefined ? undefined : optionalText(row, 'holder');
}

export function dropLockSql(controlDatabase: string): string {
  return `DROP TABLE IF EXISTS ${qualified(controlDatabase, LOCK_TABLE)}`;
}
