// COPY INTO from a stage on the moto bucket and MERGE INTO work on the local engine as the service uses them.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetBytes } from '../support/parquet.js';
import { connect, loadStackEnv, s3, uniqueName } from '../support/stack.js';

const stack = loadStackEnv();
const db = uniqueName('copymerge');
const prefix = `tests/${db}`;
let conn: Connection;

async function putParquet(
  key: string,
  rows: { id: number; name: string; Op: string }[],
): Promise<void> {
  const body = parquetBytes(
    [
      ['Op', 'string'],
      ['id', 'int64'],
      ['name', 'string'],
    ],
    rows,
  );
  const client = s3(stack);
  await client.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));
  client.destroy();
}

beforeAll(async () => {
  conn = await connect(stack);
  await conn.exec(`CREATE DATABASE ${db}`);
  await conn.exec(`USE ${db}`);
  await conn.exec(`CREATE STAGE ${db} URL = 's3://${stack.bucket}/${prefix}/' CONNECTION = (
    ENDPOINT_URL = '${stack.endpoint}', ACCESS_KEY_ID = '${stack.accessKeyId}',
    SECRET_ACCESS_KEY = '${stack.secretAccessKey}', REGION = '${stack.region}')`);
  await conn.exec(
    `CREATE TABLE raw (Op VARCHAR, id BIGINT, name VARCHAR, _file VARCHAR, _row BIGINT)`,
  );
  await conn.exec(`CREATE TABLE ods (id BIGINT, name VARCHAR, is_deleted BOOLEAN, _row BIGINT)`);
  await putParquet(`${prefix}/a.parquet`, [
    { Op: 'I', id: 1, name: 'one' },
    { Op: 'I', id: 2, name: 'two' },
    { Op: 'U', id: 1, name: 'uno' },
  ]);
  await putParquet(`${prefix}/b.parquet`, [{ Op: 'D', id: 2, name: 'two' }]);
});

afterAll(async () => {
  await conn.exec(`DROP DATABASE IF EXISTS ${db}`);
  await conn.exec(`DROP STAGE IF EXISTS ${db}`);
  await conn.close();
});

const copy = (files: string) => `COPY INTO raw (Op, id, name, _file, _row)
  FROM (SELECT Op, id, name, metadata$filename, metadata$file_row_number FROM @${db})
  FILES = (${files}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE`;

describe('COPY INTO from the moto bucket', () => {
  it('loads the named files with their file name and row number', async () => {
    expect(await conn.exec(copy("'a.parquet'"))).toBe(3);
    const rows = await conn.queryAll(
      'SELECT Op, id::STRING, name, _file, _row::STRING FROM raw ORDER BY _row',
    );
    expect(rows.map((r) => r.values() as unknown[])).toEqual([
      ['I', '1', 'one', 'a.parquet', '0'],
      ['I', '2', 'two', 'a.parquet', '1'],
      ['U', '1', 'uno', 'a.parquet', '2'],
    ]);
  });

  it('loads a file again with FORCE even though load history has it', async () => {
    expect(await conn.exec(copy("'b.parquet'"))).toBe(1);
    expect(await conn.exec(copy("'b.parquet'"))).toBe(1);
    const row = await conn.queryRow("SELECT count(*)::STRING FROM raw WHERE _file = 'b.parquet'");
    expect(row?.values()).toEqual(['2']);
  });
});

describe('MERGE INTO with a deduplicated source', () => {
  it('applies the newest change per key through several WHEN MATCHED clauses', async () => {
    await conn.exec("INSERT INTO ods VALUES (2, 'two', false, -1), (3, 'three', false, -1)");
    await conn.exec(`MERGE INTO ods AS t USING (
        SELECT id, name, Op, _row + (CASE WHEN _file = 'b.parquet' THEN 100 ELSE 0 END) AS _row FROM raw
        QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY _file DESC, _row DESC) = 1
      ) AS s ON t.id = s.id
      WHEN MATCHED AND s._row > t._row AND s.Op = 'D' THEN UPDATE SET is_deleted = true, _row = s._row
      WHEN MATCHED AND s._row > t._row THEN UPDATE SET name = s.name, is_deleted = false, _row = s._row
      WHEN NOT MATCHED THEN INSERT (id, name, is_deleted, _row) VALUES (s.id, s.name, s.Op = 'D', s._row)`);
    const rows = await conn.queryAll('SELECT id::STRING, name, is_deleted FROM ods ORDER BY id');
    expect(rows.map((r) => r.values() as unknown[])).toEqual([
      ['1', 'uno', false],
      ['2', 'two', true],
      ['3', 'three', false],
    ]);
  });
});
