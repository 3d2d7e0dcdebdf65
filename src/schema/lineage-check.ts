/**
 * The start-up check of the lineage and state columns (`_seq` and the others the service writes
 * itself). Tables created now have them NOT NULL; tables created before that have them nullable.
 * Such a table is checked, not rewritten: Databend's `MODIFY COLUMN … NOT NULL` rewrites the
 * whole table (and fails with 1058 on an empty one or one holding a NULL), too heavy for a
 * start-up. New rows cannot bring a NULL there (the batch's summary refuses it), so a table
 * without NULLs today stays without. A table that holds one is reported: its ODS rows with a
 * NULL `_seq` can never be updated, so the table is paused until an operator repairs it.
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { text } from '../databend/rows.js';
import type { SqlSession } from '../databend/session-pool.js';
import { ODS_STATE_COLUMNS, RAW_LINEAGE_COLUMNS } from './table-ddl.js';

/** A table whose lineage/state columns are nullable, and how many of its rows hold a NULL. */
export interface NullableLineage {
  readonly database: string;
  readonly table: string;
  readonly layer: 'raw' | 'ods';
  readonly columns: readonly string[];
  readonly rowsWithNull: number;
}

/** Nullable lineage (raw) and state (ODS) columns of the service's tables. */
export function nullableLineageColumnsSql(rawDatabase: string, odsDatabase: string): string {
  const pairs = [
    ...RAW_LINEAGE_COLUMNS.map((c) => [rawDatabase, c.name] as const),
    ...ODS_STATE_COLUMNS.map((c) => [odsDatabase, c.name] as const),
  ];
  const where = pairs
    .map(([db, name]) => `(database = ${quoteString(db)} AND name = ${quoteString(name)})`)
    .join(' OR ');
  return (
    `SELECT database, table, name FROM system.columns ` +
    `WHERE is_nullable = 'YES' AND (${where}) ORDER BY database, table, name`
  );
}

/** Rows holding a NULL in any of `columns`. */
export function rowsWithNullSql(
  database: string,
  table: string,
  columns: readonly string[],
): string {
  const test = columns.map((c) => `${quoteIdent(c)} IS NULL`).join(' OR ');
  return `SELECT count(*)::STRING AS n FROM ${qualified(database, table)} WHERE ${test}`;
}

export async function checkLineageColumns(
  session: SqlSession,
  databases: { readonly raw: string; readonly ods: string },
): Promise<NullableLineage[]> {
  const rows = await session.query(nullableLineageColumnsSql(databases.raw, databases.ods));
  const byTable = new Map<string, { database: string; table: string; columns: string[] }>();
  for (const row of rows) {
    const database = text(row, 'database');
    const table = text(row, 'table');
    const id = JSON.stringify([database, table]);
    const entry = byTable.get(id) ?? { database, table, columns: [] };
    entry.columns.push(text(row, 'name'));
    byTable.set(id, entry);
  }
  const found: NullableLineage[] = [];
  for (const { database, table, columns } of byTable.values()) {
    const [count] = await session.query(rowsWithNullSql(database, table, columns));
    found.push({
      database,
      table,
      layer: database === databases.raw ? 'raw' : 'ods',
      columns,
      rowsWithNull: Number(count?.n ?? 0),
    });
  }
  return found;
}
