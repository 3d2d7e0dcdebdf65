// `plan` against the local stack: the SQL a file would cause, printed and not run; run by hand
// it loads the file exactly as the service would.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPool } from '../../src/databend/session-pool.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { runCli, TestLoader } from '../support/cli.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3 } from '../support/stack.js';

const TS = '_dms_ingestion_timestamp';
const LOAD: [string, ParquetColumnType][] = [
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];
const CDC_WITH_EMAIL: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
  ['email', 'string'],
];

let target: TestTarget;
let pool: SessionPool;
let client: S3Client;
let conn: Connection;
let loader: TestLoader;

beforeAll(async () => {
  target = await testTarget('cliplan', { 'shop.orders': { primaryKey: ['id'] } });
  pool = new SessionPool(target.config.databend.dsn);
  client = s3();
  conn = await connect();
  loader = new TestLoader(target.config, pool, client);
});

afterAll(async () => {
  const { databend } = target.config;
  for (const db of [databend.rawDatabase, databend.odsDatabase, databend.controlDatabase])
    await conn.exec(`DROP DATABASE IF EXISTS ${db}`);
  await conn.exec(`DROP STAGE IF EXISTS ${databend.stageName}`);
  await conn.close();
  await pool.close();
  client.destroy();
});

/** The statements of a plan: its lines ending in `;` (comments and blank lines dropped). */
function statements(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('--') && l.endsWith(';'))
    .map((l) => l.slice(0, -1));
}

async function runStatements(sqls: readonly string[]): Promise<void> {
  for (const sql of sqls) {
    if (sql.startsWith('SELECT')) await conn.queryAll(sql);
    else await conn.exec(sql);
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await conn.queryAll(`SELECT name FROM system.databases WHERE name = '${name}'`);
  return rows.length > 0;
}

async function ods(): Promise<unknown[][]> {
  const rows = await conn.queryAll(
    `SELECT id::STRING, name, is_deleted FROM ${target.config.databend.odsDatabase}.orders ORDER BY id`,
  );
  return rows.map((r) => r.values() as unknown[]);
}

describe('plan', () => {
  it('prints the CREATE, COPY, MERGE and ledger INSERT of a new table and runs none of them', async () => {
    const { databend } = target.config;
    await loader.put(
      'shop/orders/LOAD00000001.parquet',
      parquetBytes(LOAD, [
        { [TS]: '2024-01-01 00:00:01.000000', id: 1, name: 'ann' },
        { [TS]: '2024-01-01 00:00:01.000000', id: 2, name: 'bob' },
      ]),
    );

    const result = await runCli(target.config, ['plan', 'shop/orders/LOAD00000001.parquet']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const sqls = statements(result.stdout);
    expect(sqls.map((s) => s.split(' (')[0])).toEqual([
      `CREATE DATABASE IF NOT EXISTS \`${databend.rawDatabase}\``,
      `CREATE TABLE IF NOT EXISTS \`${databend.rawDatabase}\`.\`orders\``,
      `CREATE DATABASE IF NOT EXISTS \`${databend.odsDatabase}\``,
      `CREATE TABLE IF NOT EXISTS \`${databend.odsDatabase}\`.\`orders\``,
      `CREATE TABLE IF NOT EXISTS \`${databend.controlDatabase}\`.\`claim_orders\``,
      `INSERT INTO \`${databend.controlDatabase}\`.\`claim_orders\``,
      'BEGIN',
      expect.stringMatching(
        new RegExp(`^UPDATE \`${databend.controlDatabase}\`.\`claim_orders\` SET`),
      ),
      expect.stringMatching(/^SELECT `object_key` AS object_key/),
      `COPY INTO \`${databend.rawDatabase}\`.\`orders\``,
      expect.stringMatching(/^SELECT `_file` AS file/),
      expect.stringMatching(
        new RegExp(`^MERGE INTO \`${databend.odsDatabase}\`.\`orders\` AS t USING`),
      ),
      `INSERT INTO \`${databend.controlDatabase}\`.\`files\``,
      'COMMIT',
    ]);
    expect(result.stdout).toContain('(ETag ');
    expect(result.stdout).toContain('2 row(s), full load)');
    expect(result.stdout).toContain(
      `-- table shop.orders -> ${databend.rawDatabase}.orders and ${databend.odsDatabase}.orders (primary key id)`,
    );
    expect(await databaseExists(databend.rawDatabase)).toBe(false);
    expect(await databaseExists(databend.odsDatabase)).toBe(false);
  });

  it('prints SQL that, run by hand, loads the file as the service would', async () => {
    const result = await runCli(target.config, ['plan', 'shop/orders/LOAD00000001.parquet']);
    await prepareDatabend(pool, target.config); // the stage `run` creates at start-up
    await runStatements(statements(result.stdout));
    expect(await ods()).toEqual([
      ['1', 'ann', false],
      ['2', 'bob', false],
    ]);
    // The ledger row it wrote is the file's identity: the service sees the file as loaded.
    const again = await runCli(target.config, ['plan', 'shop/orders/LOAD00000001.parquet']);
    expect(again.stdout).toContain(
      '-- note  shop/orders/LOAD00000001.parquet is already in the ledger',
    );
    const file = await loader.put(
      'shop/orders/LOAD00000001.parquet',
      parquetBytes(LOAD, [
        { [TS]: '2024-01-01 00:00:01.000000', id: 1, name: 'ann' },
        { [TS]: '2024-01-01 00:00:01.000000', id: 2, name: 'bob' },
      ]),
    );
    await loader.load([file]);
    const raw = await conn.queryRow(
      `SELECT count(*) FROM ${target.config.databend.rawDatabase}.orders`,
    );
    expect(Number(raw?.values()[0])).toBe(2);
  });

  it('prints the ADD COLUMN a new source column needs, in raw and ODS', async () => {
    const { databend } = target.config;
    const key = 'shop/orders/20240102-000001000.parquet';
    await loader.put(
      key,
      parquetBytes(CDC_WITH_EMAIL, [
        { Op: 'U', [TS]: '2024-01-02 00:00:01', id: 1, name: 'anna', email: 'a@x' },
        { Op: 'D', [TS]: '2024-01-02 00:00:01', id: 2, name: 'bob', email: null },
      ]),
    );

    const result = await runCli(target.config, ['plan', `s3://${target.pipe.bucket}/${key}`]);

    expect(result.code).toBe(0);
    const sqls = statements(result.stdout);
    expect(sqls.slice(0, 2)).toEqual([
      `ALTER TABLE \`${databend.rawDatabase}\`.\`orders\` ADD COLUMN IF NOT EXISTS \`email\` VARCHAR NULL AFTER \`name\``,
      `ALTER TABLE \`${databend.odsDatabase}\`.\`orders\` ADD COLUMN IF NOT EXISTS \`email\` VARCHAR NULL AFTER \`name\``,
    ]);
    expect(sqls.find((s) => s.startsWith('MERGE'))).toContain('`email` = s.`email`');
    await runStatements(sqls);
    expect(await ods()).toEqual([
      ['1', 'anna', false],
      ['2', 'bob', true],
    ]);
  });

  it('says the table would pause when a column changes to an incompatible type', async () => {
    const key = 'shop/orders/20240103-000001000.parquet';
    await loader.put(
      key,
      parquetBytes(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['id', 'int64'],
          ['name', 'int64'],
        ],
        [{ Op: 'I', [TS]: '2024-01-03 00:00:01', id: 3, name: 5 }],
      ),
    );
    const result = await runCli(target.config, ['plan', key]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`-- the schema cannot follow ${key}; the table would pause:`);
    expect(result.stdout).toMatch(/column "name" is VARCHAR in the table but BIGINT in the file/);
    expect(statements(result.stdout)).toEqual([]);
  });

  it('ignores a key outside the DMS layout and fails on a missing object', async () => {
    const outside = await runCli(target.config, ['plan', 'not/a/dms/key.csv']);
    expect(outside.code).toBe(0);
    expect(outside.stdout).toMatch(
      /^-- not\/a\/dms\/key\.csv: ignored, the key is outside the DMS layout/,
    );

    const missing = await runCli(target.config, ['plan', 'shop/orders/20240109-000001000.parquet']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `plan: s3://${target.pipe.bucket}/shop/orders/20240109-000001000.parquet does not exist\n`,
    );
  });
});
