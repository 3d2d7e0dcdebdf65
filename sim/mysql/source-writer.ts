/**
 * The simulated source made real: creates the tables in a MySQL server (the local stack's
 * MariaDB) and applies the rows that existed before the task started, then every source
 * transaction in commit order, with each ALTER TABLE where it happened. Afterwards the server
 * holds the simulation's truth, so reconcile has a real source to compare ODS with.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import type { MysqlType } from '../model/mysql-type.js';
import { withAddedColumn, type Column, type Row, type Table } from '../model/table.js';
import type { Simulation } from '../simulate.js';
import type { SourceChange, SourceDdl } from '../workload/source-db.js';

/** A value as mysql2 sends it: text, or bytes for binary and BIT columns. */
type SqlValue = string | Buffer | null;

const ident = (name: string): string => `\`${name.replaceAll('`', '``')}\``;
const tableRef = (t: { schema: string; name: string }): string =>
  `${ident(t.schema)}.${ident(t.name)}`;

/** The canonical value (sim/README.md) as the parameter MySQL stores the same value from. */
export function toSqlValue(type: MysqlType, value: string | null): SqlValue {
  if (value === null) return null;
  if (type.kind === 'binary') return Buffer.from(value, 'hex');
  if (type.kind === 'bit') {
    return type.width === 1 ? Buffer.from([Number(value)]) : Buffer.from(value, 'hex');
  }
  return value;
}

export function createTableSql(table: Table): string {
  const columns = table.columns.map(
    (c) => `${ident(c.name)} ${c.typeText} ${c.nullable ? 'NULL' : 'NOT NULL'}`,
  );
  const key = `PRIMARY KEY (${table.primaryKey.map(ident).join(', ')})`;
  return `CREATE TABLE ${tableRef(table)} (${[...columns, key].join(', ')})`;
}

function values(row: Row, columns: readonly Column[]): SqlValue[] {
  return columns.map((c) => toSqlValue(c.type, row[c.name] ?? null));
}

function keyWhere(table: Table): string {
  return table.primaryKey.map((k) => `${ident(k)} = ?`).join(' AND ');
}

function keyParams(table: Table, row: Row): SqlValue[] {
  return table.primaryKey.map((k) => {
    const column = table.columns.find((c) => c.name === k);
    if (column === undefined) throw new Error(`key column ${k} missing from ${table.name}`);
    return toSqlValue(column.type, row[k] ?? null);
  });
}

/** Inserts rows many to a statement. */
export async function insertRows(
  conn: Connection,
  table: Table,
  rows: Iterable<Row>,
  rowsPerStatement = 500,
): Promise<number> {
  const columns = table.columns;
  const head = `INSERT INTO ${tableRef(table)} (${columns.map((c) => ident(c.name)).join(', ')}) VALUES `;
  const one = `(${columns.map(() => '?').join(', ')})`;
  let batch: SqlValue[] = [];
  let inBatch = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (inBatch === 0) return;
    await conn.query(head + Array(inBatch).fill(one).join(', '), batch);
    total += inBatch;
    batch = [];
    inBatch = 0;
  };
  for (const row of rows) {
    batch.push(...values(row, columns));
    if (++inBatch >= rowsPerStatement) await flush();
  }
  await flush();
  return total;
}

async function applyChange(conn: Connection, table: Table, change: SourceChange): Promise<void> {
  if (change.op === 'I') {
    await insertRows(conn, table, [change.row]);
    return;
  }
  if (change.op === 'D') {
    await conn.query(`DELETE FROM ${tableRef(table)} WHERE ${keyWhere(table)}`, [
      ...keyParams(table, change.row),
    ]);
    return;
  }
  const columns = table.columns;
  const set = columns.map((c) => `${ident(c.name)} = ?`).join(', ');
  await conn.query(`UPDATE ${tableRef(table)} SET ${set} WHERE ${keyWhere(table)}`, [
    ...values(change.row, columns),
    ...keyParams(table, change.before ?? change.row),
  ]);
}

export interface ApplyToMysqlOptions {
  /** Drop and create the schemas first (default true). */
  readonly recreate?: boolean;
}

export interface AppliedSource {
  readonly rows: number;
  readonly transactions: number;
}

/**
 * Writes the simulation's source into the server at `url` (a user that may create databases).
 * Afterwards each table holds exactly `simulation.truth`.
 */
export async function applyToMysql(
  simulation: Simulation,
  url: string,
  options: ApplyToMysqlOptions = {},
): Promise<AppliedSource> {
  const conn = await createConnection({ uri: url, timezone: 'Z', multipleStatements: false });
  try {
    // DMS writes wall clock as UTC; the source's TIMESTAMP columns must read back the same.
    await conn.query("SET time_zone = '+00:00'");
    const firstChange = simulation.sourceChanges[0]?.commitAt ?? simulation.endAt;
    const initial = simulation.truthAt(firstChange - 1);
    let rows = 0;
    const tables = new Map<string, Table>();
    for (const [name, { table, rows: seeded }] of initial) {
      if (options.recreate !== false) {
        await conn.query(`CREATE DATABASE IF NOT EXISTS ${ident(table.schema)}`);
        await conn.query(`DROP TABLE IF EXISTS ${tableRef(table)}`);
      }
      await conn.query(createTableSql(table));
      rows += await insertRows(conn, table, seeded.values());
      tables.set(name, table);
    }

    const ddl = [...simulation.sourceDdl].sort((a, b) => a.at - b.at);
    let transactions = 0;
    let open: number | undefined;
    for (const change of simulation.sourceChanges) {
      if (change.txn !== open) {
        if (open !== undefined) await conn.query('COMMIT');
        // An ALTER TABLE commits on its own, between the transactions around it.
        while (ddl[0] !== undefined && ddl[0].at <= change.commitAt) {
          await addColumn(conn, tables, ddl.shift() as SourceDdl);
        }
        await conn.query('START TRANSACTION');
        open = change.txn;
        transactions++;
      }
      const table = tables.get(change.table);
      if (table === undefined) throw new Error(`change of unknown table ${change.table}`);
      await applyChange(conn, table, change);
      rows++;
    }
    if (open !== undefined) await conn.query('COMMIT');
    for (const d of ddl) await addColumn(conn, tables, d);
    return { rows, transactions };
  } finally {
    await conn.end();
  }
}

async function addColumn(
  conn: Connection,
  tables: Map<string, Table>,
  ddl: SourceDdl,
): Promise<void> {
  const table = tables.get(ddl.table);
  if (table === undefined) return;
  const altered = withAddedColumn(table, ddl.column);
  const column = altered.columns.at(-1);
  if (column === undefined) return;
  await conn.query(
    `ALTER TABLE ${tableRef(table)} ADD COLUMN ${ident(column.name)} ${column.typeText} NULL`,
  );
  tables.set(ddl.table, altered);
}
