import type { Connection } from 'databend-driver';
import { qualified, quoteIdent } from '../../src/databend/quote.js';
import type { Column, Row, Table } from '../model/table.js';
import { diffRows, type DiffOptions, type TableDiff } from './diff.js';
import type { Truth, TableTruth } from './truth.js';

/** The part of databend-driver's Connection the comparison uses. */
export type QueryConnection = Pick<Connection, 'queryAll'>;

export interface OdsCompareOptions extends DiffOptions {
  /** Database of the ODS tables (default `ods`). */
  readonly database?: string;
  /** ODS table name for a source table (default: the source table's name). */
  readonly tableName?: (table: Table) => string;
  /** The tombstone flag column (default `is_deleted`). */
  readonly deletedColumn?: string;
}

/** The outcome over several tables. */
export interface OdsComparison {
  readonly equal: boolean;
  readonly tables: readonly TableDiff[];
  /** The reports of the tables that differ, or `all N tables equal`. */
  readonly report: string;
}

/**
 * Every column read as a string, so nothing is lost in the driver's number conversions
 * (64-bit integers, DECIMAL(38+)); binary columns through TO_HEX, which also works on a
 * string column holding the bytes.
 */
function selectExpression(column: Column): string {
  const ref = quoteIdent(column.name);
  const isBytes =
    column.type.kind === 'binary' || (column.type.kind === 'bit' && column.type.width > 1);
  return isBytes ? `TO_HEX(${ref})` : `CAST(${ref} AS STRING)`;
}

/** Values arrive as strings (the SELECT casts them); anything else is shown, not trusted. */
function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Reads the live rows (`is_deleted = false`) of one ODS table, values as strings. */
export async function readOdsRows(
  conn: QueryConnection,
  table: Table,
  options: OdsCompareOptions = {},
): Promise<Row[]> {
  const database = options.database ?? 'ods';
  const name = options.tableName?.(table) ?? table.name;
  const deleted = quoteIdent(options.deletedColumn ?? 'is_deleted');
  const select = table.columns.map(selectExpression).join(', ');
  const sql = `SELECT ${select} FROM ${qualified(database, name)} WHERE ${deleted} = false`;
  const rows = await conn.queryAll(sql);
  return rows.map((r) => {
    const values = r.values() as unknown[];
    const row: Record<string, string | null> = {};
    table.columns.forEach((column, i) => {
      const v = values[i];
      row[column.name] = asText(v);
    });
    return row;
  });
}

/** Compares one ODS table with the truth of its source table. */
export async function compareOdsTable(
  conn: QueryConnection,
  truth: TableTruth,
  options: OdsCompareOptions = {},
): Promise<TableDiff> {
  return diffRows(truth, await readOdsRows(conn, truth.table, options), options);
}

/** Compares the ODS table of every table in the truth. */
export async function compareOds(
  conn: QueryConnection,
  truth: Truth,
  options: OdsCompareOptions = {},
): Promise<OdsComparison> {
  const tables: TableDiff[] = [];
  for (const tableTruth of truth.values()) {
    tables.push(await compareOdsTable(conn, tableTruth, options));
  }
  const failing = tables.filter((t) => !t.equal);
  return {
    equal: failing.length === 0,
    tables,
    report:
      failing.length === 0
        ? `all ${tables.length} tables equal`
        : failing.map((t) => t.report).join('\n'),
  };
}
