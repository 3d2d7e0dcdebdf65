// Names and values quoted by src/databend/quote.ts reach the real engine intact.
import fc from 'fast-check';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import { connect, loadStackEnv, uniqueName } from '../support/stack.js';

const stack = loadStackEnv();
// The database name itself is awkward: a quote, a backtick, a dot, a space and a comment marker.
const db = `${uniqueName('Quote')} "x".y -- z`;
const table = `Order Items; DROP TABLE x --`;

const awkwardColumns = [
  'select',
  'from',
  'order',
  'Id',
  'id',
  'MiXeD Case',
  'with space',
  ' padded ',
  'a.b',
  "it's",
  'dq"inside',
  'bt`inside',
  'bt`and"dq',
  'back\\slash',
  'ends\\',
  'naïve 日本',
  '-- comment',
  '; semi',
  '/* block */',
  '$1',
  '?',
];

let conn: Connection;

beforeAll(async () => {
  conn = await connect(stack);
  await conn.exec(`CREATE DATABASE ${quoteIdent(db)}`);
});

afterAll(async () => {
  await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  await conn.close();
});

describe('quoteIdent against the engine', () => {
  it('creates a table whose database, table and columns have awkward names, and reads them back', async () => {
    const columns = awkwardColumns.map((name) => `${quoteIdent(name)} STRING`).join(', ');
    await conn.exec(`CREATE TABLE ${qualified(db, table)} (${columns})`);

    const listed = await conn.queryAll(
      `SELECT name FROM system.columns WHERE database = ${quoteString(db)} AND table = ${quoteString(table)}`,
    );
    expect(listed.map((row) => row.values()[0] as unknown).sort()).toEqual(
      [...awkwardColumns].sort(),
    );

    const values = awkwardColumns.map((name) => quoteString(`value of ${name}`)).join(', ');
    await conn.exec(`INSERT INTO ${qualified(db, table)} VALUES (${values})`);

    const selected = awkwardColumns.map(quoteIdent).join(', ');
    const row = await conn.queryRow(`SELECT ${selected} FROM ${qualified(db, table)}`);
    expect(row?.values()).toEqual(awkwardColumns.map((name) => `value of ${name}`));
  });

  it('keeps names that differ only in case apart, as quoted identifiers are case-sensitive', async () => {
    const cased = `${table} cased`;
    await conn.exec(
      `CREATE TABLE ${qualified(db, cased)} (${quoteIdent('Id')} INT, ${quoteIdent('id')} INT)`,
    );
    await conn.exec(`INSERT INTO ${qualified(db, cased)} VALUES (1, 2)`);
    const row = await conn.queryRow(
      `SELECT ${quoteIdent('Id')}, ${quoteIdent('id')} FROM ${qualified(db, cased)}`,
    );
    expect(row?.values()).toEqual([1, 2]);
    const setting = await conn.queryRow(
      "SELECT value FROM system.settings WHERE name = 'quoted_ident_case_sensitive'",
    );
    expect(setting?.values()).toEqual(['1']);
  });

  it('keeps an unquoted name apart from its quoted mixed-case spelling', async () => {
    const folded = `${table} folded`;
    await conn.exec(
      `CREATE TABLE ${qualified(db, folded)} (${quoteIdent('Total')} INT, total_x INT)`,
    );
    const names = await conn.queryAll(
      `SELECT name FROM system.columns WHERE database = ${quoteString(db)} AND table = ${quoteString(folded)} ORDER BY name`,
    );
    expect(names.map((row) => row.values()[0] as unknown)).toEqual(['Total', 'total_x']);
    await expect(conn.queryRow(`SELECT Total FROM ${qualified(db, folded)}`)).rejects.toThrow(
      /1065/,
    );
  });
});

describe('quoteString against the engine', () => {
  it('round-trips quotes, backslash escapes, control characters and non-ASCII', async () => {
    const samples = [
      "it's",
      "''",
      '\\',
      "\\'",
      'a\\nb',
      '\\x41\\u0041\\101',
      '\0',
      '\u00001',
      'line\nbreak\r\ttab',
      '\u0001\u001f\u007f',
      'naïve 日本 😀',
      '$1 ? :name',
      "'; DROP TABLE x; --",
    ];
    const row = await conn.queryRow(`SELECT ${samples.map(quoteString).join(', ')}`);
    expect(row?.values()).toEqual(samples);
  });

  it('returns any string unchanged from SELECT <literal>', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !/\p{Cs}/u.test(s));
    // Several literals per query keep the run short; each one is still checked on its own.
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 8 }), async (values) => {
        const row = await conn.queryRow(`SELECT ${values.map(quoteString).join(', ')}`);
        expect(row?.values()).toEqual(values);
      }),
      { numRuns: 100 },
    );
  });
});
