/**
 * The control tables' layout, as an ordered list of forward migrations. A deployment records the
 * versions it has applied in `<control>.schema_version`; at start-up the missing ones run in order
 * (see migrate.ts), so a new release finds the tables an older one left and brings them forward.
 *
 * To change a control table, APPEND a migration; never edit one that has been released (a
 * deployment that ran it will not run it again). Each migration must:
 * - be idempotent (`CREATE … IF NOT EXISTS`, `ADD COLUMN IF NOT EXISTS`): a process that dies
 *   between its statements and its version row runs it again;
 * - be additive: new tables, or new columns that are nullable or have a DEFAULT. A release
 *   that is rolled back keeps running on the newer layout, because every INSERT into a control
 *   table names its columns;
 * - not rewrite big tables (MODIFY COLUMN rewrites the whole table under a lock).
 */
import { qualified, quoteIdent } from '../databend/quote.js';
import { RELOADS_COLUMNS } from './reloads-sql.js';
import { createLeasesTableSql } from './lease-sql.js';
import { TABLE_ERRORS_COLUMNS } from './table-errors-sql.js';

export interface Migration {
  /** 1, 2, 3…: consecutive, in order. */
  readonly version: number;
  /** What it does, recorded beside the version. */
  readonly description: string;
  statements(controlDatabase: string): readonly string[];
}

type Columns = readonly (readonly [name: string, type: string])[];

function createTableSql(controlDatabase: string, table: string, columns: Columns): string {
  const list = columns.map(([name, type]) => `${quoteIdent(name)} ${type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${qualified(controlDatabase, table)} (${list})`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // The layout releases before versioning created (without a schema_version row): on such a
    // deployment these statements change nothing and only the version is recorded.
    description: 'files (the ledger), table_state and held_files',
    statements: (control) => [
      createTableSql(control, 'files', [
        ['bucket', 'VARCHAR'],
        ['object_key', 'VARCHAR'],
        ['etag', 'VARCHAR'],
        ['table_name', 'VARCHAR'],
        ['batch_id', 'VARCHAR'],
        ['file_kind', 'VARCHAR'],
        ['row_count', 'BIGINT'],
        ['byte_size', 'BIGINT'],
        ['event_time', 'TIMESTAMP NULL'],
        ['loaded_at', 'TIMESTAMP'],
      ]),
      createTableSql(control, 'table_state', [
        ['table_name', 'VARCHAR'],
        ['paused', 'BOOLEAN'],
        ['reason', 'VARCHAR NULL'],
        ['updated_at', 'TIMESTAMP'],
      ]),
      createTableSql(control, 'held_files', [
        ['table_name', 'VARCHAR'],
        ['bucket', 'VARCHAR'],
        ['object_key', 'VARCHAR'],
        ['etag', 'VARCHAR'],
        ['byte_size', 'BIGINT'],
        ['event_time', 'TIMESTAMP'],
        ['held_at', 'TIMESTAMP'],
      ]),
    ],
  },
  {
    version: 2,
    description: 'reloads (full-load generations applied as snapshots)',
    statements: (control) => [createTableSql(control, 'reloads', RELOADS_COLUMNS)],
  },
  {
    version: 3,
    description: 'leases: the replicas elect their active writer',
    statements: (control) => [createLeasesTableSql(control)],
  },
  {
    version: 4,
    description: 'table_errors: the last error of each table, for status',
    statements: (control) => [createTableSql(control, 'table_errors', TABLE_ERRORS_COLUMNS)],
  },
];

/** The version this release brings the control tables to. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}
