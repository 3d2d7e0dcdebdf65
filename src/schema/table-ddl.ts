/**
 * SQL for creating and evolving the raw and ODS tables, and for reading a table's columns back.
 * Every name goes through quote.ts. Checked on Databend 1.2.895:
 * - `ADD COLUMN IF NOT EXISTS … AFTER …` works (IF NOT EXISTS needs ≥ 1.2.892) and takes one
 *   column per statement; it only changes metadata.
 * - `MODIFY COLUMN a BIGINT NULL, COLUMN b DECIMAL(20, 4) NULL` changes several types in one
 *   statement. On a non-empty table it rewrites the whole table (values cast, table locked); a
 *   MODIFY to the type the column already has is a no-op (no new snapshot), so re-running a
 *   widening after a crash is safe. A failing cast leaves the table unchanged.
 * - `system.columns` lists a table's columns in table order with `data_type` spelled as
 *   databend-type.ts formats it, and no rows at all for a table that does not exist.
 * DDL commits any open transaction, so all of this runs before a batch's BEGIN.
 */

import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { formatDatabendType, parseDatabendType, type DatabendType } from './databend-type.js';
import type { ColumnWidening, TableColumn } from './schema-diff.js';
import type { MappedColumn } from './type-map.js';

const VARCHAR: DatabendType = { kind: 'string' };

/** Lineage columns that end every raw table, in this order. */
export const RAW_LINEAGE_COLUMNS: readonly TableColumn[] = [
  { name: '_file', type: VARCHAR },
  { name: '_row', type: { kind: 'integer', bits: 64, signed: true } },
  { name: '_seq', type: VARCHAR },
  { name: '_batch', type: VARCHAR },
  { name: '_loaded_at', type: { kind: 'timestamp' } },
];

/** State columns that end every ODS table, in this order. */
export const ODS_STATE_COLUMNS: readonly TableColumn[] = [
  { name: 'is_deleted', type: { kind: 'boolean' } },
  { name: '_seq', type: VARCHAR },
  { name: '_updated_at', type: { kind: 'timestamp' } },
];

/**
 * Names a file may not bring, in either table (compared case-insensitively by the diff): one set
 * for both, so a column that would clash in ODS is refused before it reaches raw.
 */
export const RESERVED_COLUMN_NAMES: readonly string[] = [
  ...new Set([...RAW_LINEAGE_COLUMNS, ...ODS_STATE_COLUMNS].map((c) => c.name)),
];

/** Where DMS's own columns are: `Op` and, when the task sets TimestampColumnName, its name. */
export interface TableLayout {
  readonly opColumn: string;
  readonly timestampColumn?: string;
}

/** The layout from the `dms` settings, where no timestamp column is `null`. */
export function tableLayout(dms: {
  readonly opColumn: string;
  readonly timestampColumn: string | null;
}): TableLayout {
  return {
    opColumn: dms.opColumn,
    ...(dms.timestampColumn === null ? {} : { timestampColumn: dms.timestampColumn }),
  };
}

/**
 * Raw's business columns for a file: its columns as mapped, with the Op and timestamp columns
 * as VARCHAR whatever the map or an override said. Op (absent from full-load files without
 * IncludeOpForFullLoad, where the loader writes 'I') and the configured timestamp column are
 * put first when the file lacks them, so every raw table has them.
 */
export function rawBusinessColumns(
  file: readonly Pick<MappedColumn, 'name' | 'databendType'>[],
  layout: TableLayout,
): TableColumn[] {
  const dms = [
    layout.opColumn,
    ...(layout.timestampColumn === undefined ? [] : [layout.timestampColumn]),
  ];
  const missing = dms.filter((name) => !file.some((c) => c.name === name));
  return [
    ...missing.map((name) => ({ name, type: VARCHAR })),
    ...file.map((c) => ({ name: c.name, type: dms.includes(c.name) ? VARCHAR : c.databendType })),
  ];
}

/** ODS's business columns for a file: raw's without Op (the DMS timestamp column stays). */
export function odsBusinessColumns(
  file: readonly Pick<MappedColumn, 'name' | 'databendType'>[],
  layout: TableLayout,
): TableColumn[] {
  return rawBusinessColumns(file, layout).filter((c) => c.name !== layout.opColumn);
}

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}`;
}

export function createRawTableSql(
  database: string,
  table: string,
  business: readonly TableColumn[],
): string {
  return createTableSql(database, table, business, RAW_LINEAGE_COLUMNS);
}

export function createOdsTableSql(
  database: string,
  table: string,
  business: readonly TableColumn[],
): string {
  return createTableSql(database, table, business, ODS_STATE_COLUMNS);
}

/**
 * Business columns are NULL (a file may lack any of them); the lineage and state columns the
 * service writes itself are NOT NULL: the MERGE compares `_seq`, and a NULL there would never
 * update nor be updated. Databend then rejects any write of a NULL into them (1006).
 */
function createTableSql(
  database: string,
  table: string,
  business: readonly TableColumn[],
  owned: readonly TableColumn[],
): string {
  if (business.length === 0) {
    throw new Error(`table ${database}.${table} needs at least one column`);
  }
  const columns = [
    ...business.map((c) => columnSql(c)),
    ...owned.map((c) => columnSql(c, 'NOT NULL')),
  ];
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, table)} (${columns.join(', ')})`;
}

/** Every business column this service creates or adds is NULL: a file may lack any column. */
function columnSql(column: TableColumn, nullability: 'NULL' | 'NOT NULL' = 'NULL'): string {
  return `${quoteIdent(column.name)} ${formatDatabendType(column.type)} ${nullability}`;
}

/**
 * The statements that apply a diff's change, in order: one ADD COLUMN per new column, each placed
 * after the previous one starting at `addAfter` (the table's last business column, so lineage
 * and state columns stay last), then one MODIFY for all widenings. Every statement is safe to
 * run again after a crash.
 */
export function alterTableSql(
  database: string,
  table: string,
  change: { readonly add: readonly TableColumn[]; readonly widen: readonly ColumnWidening[] },
  addAfter?: string,
): string[] {
  const target = qualified(database, table);
  const statements: string[] = [];
  let anchor = addAfter;
  for (const column of change.add) {
    const position = anchor === undefined ? '' : ` AFTER ${quoteIdent(anchor)}`;
    statements.push(
      `ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${columnSql(column)}${position}`,
    );
    anchor = column.name;
  }
  if (change.widen.length > 0) {
    const columns = change.widen.map((w) => `COLUMN ${columnSql({ name: w.name, type: w.to })}`);
    statements.push(`ALTER TABLE ${target} MODIFY ${columns.join(', ')}`);
  }
  return statements;
}

/** The last column before the lineage/state columns: where new business columns go. */
export function lastBusinessColumn(columns: readonly TableColumn[]): string | undefined {
  const reserved = new Set(RESERVED_COLUMN_NAMES);
  return columns.findLast((c) => !reserved.has(c.name))?.name;
}

/** Columns of one table in table order; no rows when the table does not exist. */
export function readColumnsSql(database: string, table: string): string {
  return (
    'SELECT name, data_type FROM system.columns ' +
    `WHERE database = ${quoteString(database)} AND table = ${quoteString(table)}`
  );
}

/** Parses the rows of readColumnsSql. */
export function parseColumnRows(rows: readonly Readonly<Record<string, unknown>>[]): TableColumn[] {
  return rows.map((row) => {
    const { name, data_type: dataType } = row;
    if (typeof name !== 'string' || typeof dataType !== 'string') {
      throw new Error(`unexpected system.columns row: ${JSON.stringify(row)}`);
    }
    return { name, type: parseDatabendType(dataType) };
  });
}

/** The part of a databend-driver Connection this module needs. */
export interface ColumnQuery {
  queryAll(sql: string): Promise<readonly { data(): Readonly<Record<string, unknown>> }[]>;
}

/** A table's columns, or undefined when the table does not exist. */
export async function readTableColumns(
  conn: ColumnQuery,
  database: string,
  table: string,
): Promise<TableColumn[] | undefined> {
  const rows = await conn.queryAll(readColumnsSql(database, table));
  const columns = parseColumnRows(rows.map((row) => row.data()));
  return columns.length === 0 ? undefined : columns;
}
