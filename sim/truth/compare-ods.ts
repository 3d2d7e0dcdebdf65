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
  /**
   * Only ODS rows whose first key column is at least this (a table that held rows before the
   * source's truth began, keyed below it).
   */
  readonly keysFrom?: number;
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
 * (64-bit integers, DECIMAL(38+)). Binary columns go through TO_HEX, which also works on a
 * string column holding the bytes. A VARIANT is wrapped in a JSON array first: CAST(variant AS
 * STRING) unquotes a top-level JSON string and turns a JSON null into SQL NULL, while the
 * array's text keeps the JSON value exact. A column the ODS table lacks reads as NULL, so it
 * shows up as differing values rather than an SQL error.
 */
function selectExpression(column: Column, odsType: string | undefined): string {
  if (odsType === undefined) return 'NULL';
  const ref = quoteIdent(column.name);
  const isBytes =
    column.type.kind === 'binary' || (column.type.kind === 'bit' && column.type.width > 1);
  if (isBytes) return `TO_HEX(${ref})`;
  if (/^VARIANT/i.test(odsType)) {
    return `CASE WHEN ${ref} IS NULL THEN NULL ELSE CAST(JSON_ARRAY(${ref}) AS STRING) END`;
  }
  return `CAST(${ref} AS STRING)`;
}

/** The JSON text of the single element of `[value]` (see selectExpression). */
function unwrapJsonArray(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) && parsed.length === 1 ? JSON.stringify(parsed[0]) : text;
  } catch {
    return text;
  }
}

/** Values arrive as strings (the SELECT casts them); anything else is shown, not trusted. */
function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Column name → Databend type of an existing table. */
async function describeTable(conn: QueryConnection, target: string): Promise<Map<string, string>> {
  const rows = await conn.queryAll(`DESC ${target}`);
  const types = new Map<string, string>();
  for (const r of rows) {
    const [field, type] = r.values() as unknown[];
    if (typeof field === 'string' && typeof type === 'string') types.set(field, type);
  }
  return types;
}

/** Reads the live rows (`is_deleted = false`) of one ODS table, values as strings. */
export async function readOdsRows(
  conn: QueryConnection,
  table: Table,
  options: OdsCompareOptions = {},
): Promise<Row[]> {
  const name = options.tableName?.(table) ?? table.name;
  const target = qualified(options.database ?? 'ods', name);
  const types = await describeTable(conn, target);
  const deleted = quoteIdent(options.deletedColumn ?? 'is_deleted');
  const select = table.columns.map((c) => selectExpression(c, types.get(c.name))).join(', ');
  const firstKey = table.primaryKey[0];
  const keyRange =
    options.keysFrom === undefined || firstKey === undefined
      ? ''
      : ` AND ${quoteIdent(firstKey)} >= ${Math.trunc(options.keysFrom)}`;
  const rows = await conn.queryAll(
    `SELECT ${select} FROM ${target} WHERE ${deleted} = false${keyRange}`,
  );
  return rows.map((r) => {
    const values = r.values() as unknown[];
    const row: Record<string, string | null> = {};
    table.columns.forEach((column, i) => {
      const text = asText(values[i]);
      const variant = /^VARIANT/i.test(types.get(column.name) ?? '');
      row[column.name] = text !== null && variant ? unwrapJsonArray(text) : text;
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
