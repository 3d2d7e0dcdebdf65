// The local Databend server gives databend-driver the JS values a real databend-query gives.
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, uniqueName } from '../support/stack.js';

let conn: Connection;
const db = uniqueName('types');

beforeAll(async () => {
  conn = await connect();
  await conn.exec(`CREATE DATABASE ${db}`);
  await conn.exec(`USE ${db}`);
  await conn.exec(`CREATE TABLE t (
    k INT, b BOOLEAN, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT, u64 BIGINT UNSIGNED,
    f32 FLOAT, f64 DOUBLE, d_small DECIMAL(10, 2), d_big DECIMAL(38, 10), dt DATE, ts TIMESTAMP,
    s VARCHAR, v VARIANT, bin BINARY)`);
  await conn.exec(`INSERT INTO t VALUES
    (1, true, -128, -32768, -2147483648, 9007199254740991, 18446744073709551615,
     1.5, 2.25, 12345678.90, 1234567890123456789012345678.0123456789, '2024-02-29',
     '2024-06-12 10:31:25.108123', 'héllo ''quoted''', parse_json('{"a":[1,2.5,"x"],"b":null}'), to_binary('AB')),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
});

afterAll(async () => {
  await conn.exec(`DROP DATABASE IF EXISTS ${db}`);
  await conn.close();
});

describe('value types through databend-driver', () => {
  it('decodes every type the service uses to the JS value a real server yields', async () => {
    const row = await conn.queryRow('SELECT * FROM t WHERE k = 1');
    expect(row?.data()).toEqual({
      k: 1,
      b: true,
      i8: -128,
      i16: -32768,
      i32: -2147483648,
      i64: 9007199254740991,
      u64: 18446744073709551615n,
      f32: 1.5,
      f64: 2.25,
      d_small: '12345678.90',
      d_big: '1234567890123456789012345678.0123456789',
      dt: new Date('2024-02-29T00:00:00Z'),
      ts: new Date('2024-06-12T10:31:25.108Z'),
      s: "héllo 'quoted'",
      v: '{"a":[1,2.5,"x"],"b":null}',
      bin: Buffer.from('AB'),
    });
  });

  it('gives null for NULL in every type', async () => {
    const row = await conn.queryRow('SELECT * EXCLUDE k FROM t WHERE k = 2');
    const values = row?.values() ?? [];
    expect(values).toHaveLength(15);
    expect(values.every((v) => v === null)).toBe(true);
  });

  it('keeps microseconds and big integers exact when read as strings', async () => {
    const row = await conn.queryRow(
      'SELECT ts::STRING AS ts, i64::STRING AS i64, u64::STRING AS u64 FROM t WHERE k = 1',
    );
    expect(row?.data()).toEqual({
      ts: '2024-06-12 10:31:25.108123',
      i64: '9007199254740991',
      u64: '18446744073709551615',
    });
  });

  it('renders VARIANT exactly as the engine renders it as text', async () => {
    const docs = [
      '{"z":1,"a":{"c":[true,false,null]}}',
      '"tab\\t quote\\" back\\\\ é"',
      '-12.5e-7',
      '18446744073709551615',
      '[]',
      '123.456789012345678901',
    ];
    for (const doc of docs) {
      const literal = `'${doc.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
      const row = await conn.queryRow(
        `SELECT parse_json(${literal}) AS v, to_string(parse_json(${literal})) AS s`,
      );
      const { v, s } = row?.data() as { v: string; s: string };
      expect(JSON.parse(v)).toEqual(JSON.parse(doc));
      // to_string() unquotes a string scalar; every other value must match it character for character.
      if (!doc.startsWith('"')) expect(v).toBe(s);
    }
  });

  it('reports the Databend type names in the result schema', async () => {
    const iter = await conn.queryIter('SELECT d_big, u64, v, ts FROM t WHERE k = 1');
    const types = iter
      .schema()
      .fields()
      .map((f) => f.dataType.toString());
    expect(types).toEqual([
      'Nullable(Decimal(38, 10))',
      'Nullable(UInt64)',
      'Nullable(Variant)',
      'Nullable(Timestamp)',
    ]);
  });

  it('returns the rows written from exec', async () => {
    await conn.exec('CREATE TABLE w (a INT)');
    expect(await conn.exec('INSERT INTO w VALUES (1), (2), (3)')).toBe(3);
    expect(await conn.exec('UPDATE w SET a = a + 10 WHERE a > 1')).toBe(2);
    expect(await conn.exec('DELETE FROM w WHERE a = 1')).toBe(1);
  });
});
