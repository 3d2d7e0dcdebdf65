// Errors, session state and transactions behave as databend-query's HTTP handler behaves.
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, errorCodeOf, uniqueName } from '../support/stack.js';

const db = uniqueName('sessions');
const open: Connection[] = [];

async function session(): Promise<Connection> {
  const conn = await connect();
  open.push(conn);
  await conn.exec(`USE ${db}`);
  return conn;
}

async function count(conn: Connection, table: string): Promise<string> {
  const row = await conn.queryRow(`SELECT count(*)::STRING FROM ${table}`);
  return String(row?.values()[0]);
}

async function failure(run: Promise<unknown>): Promise<number | undefined> {
  try {
    await run;
  } catch (error) {
    return errorCodeOf(error);
  }
  throw new Error('expected the statement to fail');
}

beforeAll(async () => {
  const admin = await connect();
  open.push(admin);
  await admin.exec(`CREATE DATABASE ${db}`);
});

afterAll(async () => {
  const admin = open[0];
  await admin?.exec(`DROP DATABASE IF EXISTS ${db}`);
  for (const conn of open) await conn.close();
});

describe('errors', () => {
  it('carries the Databend code of an unknown table', async () => {
    const conn = await session();
    expect(await failure(conn.exec('SELECT * FROM no_such_table'))).toBe(1025);
  });

  it('carries the Databend code of a syntax error', async () => {
    const conn = await session();
    expect(await failure(conn.exec('SELEC 1'))).toBe(1005);
  });
});

describe('session state', () => {
  it('keeps USE on a connection across requests', async () => {
    const conn = await connect();
    open.push(conn);
    await conn.exec(`USE ${db}`);
    const row = await conn.queryRow('SELECT current_database()');
    expect(row?.values()).toEqual([db]);
  });

  it('keeps two connections independent', async () => {
    const a = await session();
    const b = await connect();
    open.push(b);
    const [rowA, rowB] = await Promise.all([
      a.queryRow('SELECT current_database()'),
      b.queryRow('SELECT current_database()'),
    ]);
    expect(rowA?.values()).toEqual([db]);
    expect(rowB?.values()).toEqual(['default']);
  });

  it('keeps a SET setting on its connection only', async () => {
    const a = await session();
    const b = await session();
    await a.exec('SET max_threads = 3');
    expect(
      (await a.queryRow("SELECT value FROM system.settings WHERE name = 'max_threads'"))?.values(),
    ).toEqual(['3']);
    expect(
      (await b.queryRow("SELECT value FROM system.settings WHERE name = 'max_threads'"))?.values(),
    ).not.toEqual(['3']);
  });
});

describe('transactions', () => {
  it('makes committed rows visible to other sessions only after COMMIT', async () => {
    const a = await session();
    const b = await session();
    await a.exec('CREATE TABLE commit_t (x INT)');
    await a.exec('BEGIN');
    await a.exec('INSERT INTO commit_t VALUES (1), (2)');
    expect(await count(a, 'commit_t')).toBe('2');
    expect(await count(b, 'commit_t')).toBe('0');
    await a.exec('COMMIT');
    expect(await count(b, 'commit_t')).toBe('2');
  });

  it('discards the transaction on ROLLBACK', async () => {
    const a = await session();
    await a.exec('CREATE TABLE rollback_t (x INT)');
    await a.exec('BEGIN');
    await a.exec('INSERT INTO rollback_t VALUES (1)');
    await a.exec('ROLLBACK');
    expect(await count(a, 'rollback_t')).toBe('0');
  });

  it('commits an open transaction before DDL', async () => {
    const a = await session();
    await a.exec('CREATE TABLE ddl_t (x INT)');
    await a.exec('BEGIN');
    await a.exec('INSERT INTO ddl_t VALUES (1)');
    await a.exec('CREATE TABLE ddl_other (y INT)');
    await a.exec('ROLLBACK');
    expect(await count(a, 'ddl_t')).toBe('1');
  });

  it('rejects statements with 4002 after a failure, and COMMIT then rolls back', async () => {
    const a = await session();
    await a.exec('CREATE TABLE fail_t (x INT)');
    await a.exec('BEGIN');
    await a.exec('INSERT INTO fail_t VALUES (1)');
    expect(await failure(a.exec('SELECT * FROM no_such_table'))).toBe(1025);
    expect(await failure(a.exec('INSERT INTO fail_t VALUES (2)'))).toBe(4002);
    await a.exec('COMMIT');
    expect(await count(a, 'fail_t')).toBe('0');
    await a.exec('INSERT INTO fail_t VALUES (3)');
    expect(await count(a, 'fail_t')).toBe('1');
  });

  it('fails the second of two transactions that rewrote the same rows with a conflict code', async () => {
    const a = await session();
    const b = await session();
    await a.exec('CREATE TABLE conflict_t (k INT, v VARCHAR)');
    await a.exec("INSERT INTO conflict_t VALUES (1, 'start')");
    await a.exec('BEGIN');
    await b.exec('BEGIN');
    await a.exec("UPDATE conflict_t SET v = 'a' WHERE k = 1");
    await b.exec("UPDATE conflict_t SET v = 'b' WHERE k = 1");
    await a.exec('COMMIT');
    expect(await failure(b.exec('COMMIT'))).toBe(4001);
    const row = await b.queryRow('SELECT v FROM conflict_t');
    expect(row?.values()).toEqual(['a']);
    // After a failed COMMIT the session is back in auto-commit mode.
    await b.exec("INSERT INTO conflict_t VALUES (2, 'after')");
    expect(await count(a, 'conflict_t')).toBe('2');
  });
});
