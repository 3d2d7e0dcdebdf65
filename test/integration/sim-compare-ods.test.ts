// The ODS comparison against the real engine: a hand-built ODS table holding the truth in
// Databend types compares equal for every MySQL type; a tombstone and a changed value show up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'databend-driver';
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import {
  catalogTablesByName,
  compareOds,
  compareOdsTable,
  simulate,
  type MysqlType,
  type Simulation,
  type Table,
} from '../../sim/index.js';
import { connect, uniqueName } from '../support/stack.js';

/** Databend types chosen for this test (the service's own map lives in src/schema). */
function databendType(type: MysqlType): string {
  switch (type.kind) {
    case 'integer': {
      const bits = { tinyint: 8, smallint: 16, mediumint: 32, int: 32, bigint: 64 }[type.name];
      return `${type.unsigned ? 'UINT' : 'INT'}${bits}`;
    }
    case 'tinyint1':
      return 'INT8';
    case 'year':
      return 'INT16';
    case 'bit':
      return type.width === 1 ? 'BOOLEAN' : 'BINARY';
    case 'decimal':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'float':
    case 'double':
      return 'DOUBLE';
    case 'date':
      return 'DATE';
    case 'datetime':
    case 'timestamp':
      return 'TIMESTAMP';
    case 'json':
      return 'VARIANT';
    case 'binary':
      return 'BINARY';
    case 'time':
    case 'text':
    case 'enum':
    case 'set':
      return 'STRING';
  }
}

function literal(type: MysqlType, value: string | null): string {
  if (value === null) return 'NULL';
  if (type.kind === 'bit' && type.width === 1) return value === '1' ? 'TRUE' : 'FALSE';
  if (type.kind === 'binary' || type.kind === 'bit') return `FROM_HEX(${quoteString(value)})`;
  if (type.kind === 'json') return `PARSE_JSON(${quoteString(value)})`;
  return `CAST(${quoteString(value)} AS ${databendType(type)})`;
}

async function createOds(
  conn: Connection,
  db: string,
  table: Table,
  rows: Iterable<Record<string, string | null>>,
) {
  const columns = table.columns.map((c) => `${quoteIdent(c.name)} ${databendType(c.type)} NULL`);
  await conn.exec(
    `CREATE TABLE ${qualified(db, table.name)} (${columns.join(', ')}, ` +
      'is_deleted BOOLEAN NOT NULL, _seq VARCHAR NOT NULL, _updated_at TIMESTAMP NOT NULL)',
  );
  const values = [...rows].map(
    (row) =>
      `(${table.columns.map((c) => literal(c.type, row[c.name] ?? null)).join(', ')}, FALSE, '0', NOW())`,
  );
  const names = [
    ...table.columns.map((c) => quoteIdent(c.name)),
    'is_deleted',
    '_seq',
    '_updated_at',
  ];
  for (let i = 0; i < values.length; i += 50) {
    await conn.exec(
      `INSERT INTO ${qualified(db, table.name)} (${names.join(', ')}) VALUES ${values.slice(i, i + 50).join(', ')}`,
    );
  }
}

describe('comparing a Databend ODS table with the truth', () => {
  let conn: Connection;
  let sim: Simulation;
  const db = uniqueName('sim_ods');

  beforeAll(async () => {
    conn = await connect();
    await conn.exec(`CREATE DATABASE ${quoteIdent(db)}`);
    sim = simulate({
      seed: 21,
      tables: catalogTablesByName('shop', ['all_types', 'customers', 'order_items']),
      initialRows: 40,
      durationSeconds: 20,
      transactionsPerSecond: 10,
      addColumn: {
        table: 'customers',
        column: { name: 'added_note', type: 'varchar(64)' },
        atFraction: 0.5,
      },
    });
    for (const t of sim.truth.values()) await createOds(conn, db, t.table, t.rows.values());
  });

  afterAll(async () => {
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
    await conn.close();
  });

  it('finds every value of every MySQL type equal after a trip through Databend', async () => {
    const result = await compareOds(conn, sim.truth, { database: db });
    expect(result.report).toBe('all 3 tables equal');
    expect(result.equal).toBe(true);
    expect(result.tables.map((t) => t.actualRows)).toEqual(
      [...sim.truth.values()].map((t) => t.rows.size),
    );
  });

  it('reports a tombstoned row as missing and a changed value with both values', async () => {
    const truth = sim.truth.get('shop.order_items');
    if (truth === undefined) throw new Error('no order_items');
    const [first, second] = [...truth.rows.values()];
    const where = (row: typeof first) =>
      truth.table.primaryKey
        .map((k) => `${quoteIdent(k)} = ${quoteString(row?.[k] ?? '')}`)
        .join(' AND ');
    const target = qualified(db, 'order_items');
    await conn.exec(`UPDATE ${target} SET is_deleted = TRUE WHERE ${where(first)}`);
    await conn.exec(`UPDATE ${target} SET qty = qty + 1 WHERE ${where(second)}`);
    const diff = await compareOdsTable(conn, truth, { database: db });
    expect(diff.equal).toBe(false);
    expect(diff.missing).toEqual([JSON.stringify(truth.table.primaryKey.map((k) => first?.[k]))]);
    expect(diff.mismatches.map((m) => m.column)).toEqual(['qty']);
    expect(diff.report).toMatch(/1 missing, 0 extra, 1 values differ/);
  });
});
