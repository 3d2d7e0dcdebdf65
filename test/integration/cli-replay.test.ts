// `replay` against the local stack: a table loaded to raw only gets its ODS built from raw once
// its key is configured, in chunks, without reloading a file; replaying again changes nothing.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { runCli, TestLoader } from '../support/cli.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3 } from '../support/stack.js';

const TS = '_dms_ingestion_timestamp';
const LOAD: [string, ParquetColumnType][] = [
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];
const CDC: [string, ParquetColumnType][] = [['Op', 'string'], ...LOAD];

let target: TestTarget;
let keyed: Config;
let pool: SessionPool;
let client: S3Client;
let conn: Connection;

const EXPECTED = [
  ['1', 'a3', false],
  ['2', 'b', true],
  ['3', 'c', false],
  ['4', 'd', false],
  ['5', 'e', true],
];

beforeAll(async () => {
  // No key configured: the table loads to raw only.
  target = await testTarget('clireplay');
  keyed = {
    ...target.config,
    tables: {
      ...target.config.tables,
      byName: { 'shop.items': { primaryKey: ['id'], columnTypes: {} } },
    },
  };
  pool = new SessionPool(target.config.databend.dsn);
  client = s3();
  conn = await connect();
  await prepareDatabend(pool, target.config);
  const loader = new TestLoader(target.config, pool, client);
  await loader.putAndLoad([
    {
      key: 'shop/items/LOAD00000001.parquet',
      body: parquetBytes(LOAD, [
        { [TS]: '2024-01-01 00:00:01.000000', id: 1, name: 'a' },
        { [TS]: '2024-01-01 00:00:01.000000', id: 2, name: 'b' },
        { [TS]: '2024-01-01 00:00:01.000000', id: 3, name: 'c' },
      ]),
    },
  ]);
  await loader.putAndLoad([
    {
      key: 'shop/items/20240102-000001000.parquet',
      body: parquetBytes(CDC, [
        { Op: 'U', [TS]: '2024-01-02 00:00:01', id: 1, name: 'a2' },
        { Op: 'D', [TS]: '2024-01-02 00:00:01', id: 2, name: 'b' },
      ]),
    },
  ]);
  await loader.putAndLoad([
    {
      key: 'shop/items/20240103-000001000.parquet',
      body: parquetBytes(CDC, [
        { Op: 'I', [TS]: '2024-01-03 00:00:01', id: 4, name: 'd' },
        { Op: 'U', [TS]: '2024-01-03 00:00:01', id: 1, name: 'a3' },
        { Op: 'D', [TS]: '2024-01-03 00:00:01', id: 5, name: 'e' },
      ]),
    },
  ]);
});

afterAll(async () => {
  await dropTargetDatabases(conn, target.config);
  await conn.close();
  await pool.close();
  client.destroy();
});

async function ods(): Promise<unknown[][]> {
  const rows = await conn.queryAll(
    `SELECT id::STRING, name, is_deleted FROM ${target.config.databend.odsDatabase}.items ORDER BY id`,
  );
  return rows.map((r) => r.values() as unknown[]);
}

describe('replay', () => {
  it('refuses a table whose key is not configured, naming the setting', async () => {
    const result = await runCli(target.config, ['replay', '--table', 'items']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('replay: no primary key is configured for shop.items');
    expect(result.stderr).toContain('tables.defaultPrimaryKey');
  });

  it('builds a missing ODS from raw in chunks once the key is configured', async () => {
    const { databend } = target.config;
    const result = await runCli(keyed, ['replay', '--table', 'items', '--chunk-rows', '2']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `replay items: ${databend.rawDatabase}.items holds 8 change row(s) in 3 chunk(s); key id; creating ${databend.odsDatabase}.items`,
    );
    expect(result.stdout).toMatch(
      new RegExp(
        `^merged 8 raw row\\(s\\) into ${databend.odsDatabase}\\.items in 3 chunk\\(s\\): `,
        'm',
      ),
    );
    expect(await ods()).toEqual(EXPECTED);
    // Nothing was loaded again: raw and the ledger are as they were.
    const raw = await conn.queryRow(`SELECT count(*) FROM ${databend.rawDatabase}.items`);
    expect(Number(raw?.values()[0])).toBe(8);
    const files = await conn.queryRow(`SELECT count(*) FROM ${databend.controlDatabase}.files`);
    expect(Number(files?.values()[0])).toBe(3);
  });

  it('changes nothing when run again, and restores rows lost from ODS', async () => {
    const again = await runCli(keyed, ['replay', '--table', 'items']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('in 1 chunk(s): 0 ODS row(s) inserted, updated or tombstoned');
    expect(await ods()).toEqual(EXPECTED);

    await conn.exec(`DELETE FROM ${target.config.databend.odsDatabase}.items WHERE id IN (1, 2)`);
    const restored = await runCli(keyed, ['replay', '--table', 'items']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(
      'in 1 chunk(s): 2 ODS row(s) inserted, updated or tombstoned',
    );
    expect(await ods()).toEqual(EXPECTED);
  });

  it('fails on a table raw does not have', async () => {
    const result = await runCli(keyed, ['replay', '--table', 'nothing_here']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `replay: ${target.config.databend.rawDatabase}.nothing_here does not exist: nothing to replay\n`,
    );
  });
});
