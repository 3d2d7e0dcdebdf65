// Column types that change between files, through the running service: a safe widening is
// applied and loading goes on; an incompatible change pauses only its table, loudly (log line,
// metric), while another table keeps loading; after the operator alters the column and resumes
// the table with the CLI, it converges too.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualified, quoteIdent } from '../../src/databend/quote.js';
import { runCli } from '../support/cli.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { Replicator } from '../support/replicator.js';
import { logEntries, metricsUrl, sample } from '../support/schema-scenario.js';
import { waitFor } from '../support/wait.js';
import { connect, s3 } from '../support/stack.js';

const TS = '_dms_ingestion_timestamp';
const at = (second: number) => `2024-01-01 00:00:${String(second).padStart(2, '0')}`;

let conn: Connection;
let client: S3Client;
let target: TestTarget;
let replicator: Replicator;
let metrics: string;

async function put(key: string, columns: [string, ParquetColumnType][], rows: object[]) {
  await client.send(
    new PutObjectCommand({
      Bucket: target.pipe.bucket,
      Key: key,
      Body: parquetBytes(
        [['Op', 'string'], [TS, 'string'], ...columns],
        rows as Record<string, unknown>[],
      ),
    }),
  );
}

/** ODS rows (live and tombstones) as text, by id. */
async function ods(table: string, columns: readonly string[]): Promise<string[][]> {
  const list = ['id', ...columns].map((c) => `${quoteIdent(c)}::STRING`).join(', ');
  const rows = await conn.queryAll(
    `SELECT ${list} FROM ${qualified(target.config.databend.odsDatabase, table)} ORDER BY id`,
  );
  return rows.map((r) => r.values().map((v) => (v === null ? 'NULL' : String(v))));
}

async function odsTypes(table: string): Promise<Record<string, string>> {
  const rows = await conn.queryAll(`DESC ${qualified(target.config.databend.odsDatabase, table)}`);
  return Object.fromEntries(rows.map((r) => [String(r.values()[0]), String(r.values()[1])]));
}

/** Waits until the ODS rows read as expected; asserts them either way. */
async function expectOds(table: string, columns: readonly string[], expected: string[][]) {
  const want = JSON.stringify(expected);
  await waitFor(`${table} in ODS`, async () =>
    JSON.stringify(await ods(table, columns)) === want ? true : undefined,
  ).catch(() => undefined);
  expect(await ods(table, columns)).toEqual(expected);
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  return sample(await (await fetch(metrics)).text(), name, labels);
}

beforeAll(async () => {
  conn = await connect();
  client = s3();
  target = await testTarget(
    'typechg',
    {
      'shop.widen': { primaryKey: ['id'] },
      'shop.bad': { primaryKey: ['id'] },
      'shop.steady': { primaryKey: ['id'] },
    },
    { logLevel: 'info' },
  );
  // A quick sweep finds the pausing file again after the resume, wherever its message went.
  replicator = new Replicator({
    ...target.config,
    sweep: { intervalMinutes: 0.1, graceSeconds: 0 },
  });
  replicator.start();
  metrics = await metricsUrl(replicator);
});

afterAll(async () => {
  await replicator.stop();
  await dropTargetDatabases(conn, target.config);
  await conn.close();
  client.destroy();
});

describe('a type that widens between files', () => {
  it(
    'alters raw and ODS in place and keeps loading, old values intact',
    { timeout: 240_000 },
    async () => {
      await put(
        'shop/widen/LOAD00000001.parquet',
        [
          ['id', 'int32'],
          ['qty', 'int32'],
          ['price', 'decimal(10,2)'],
          ['ratio', 'float32'],
        ],
        [
          { Op: 'I', [TS]: at(0), id: 1, qty: 2147483647, price: '12345678.91', ratio: 1.5 },
          { Op: 'I', [TS]: at(0), id: 2, qty: -5, price: '0.01', ratio: -0.25 },
        ],
      );
      await expectOds(
        'widen',
        ['qty', 'price'],
        [
          ['1', '2147483647', '12345678.91'],
          ['2', '-5', '0.01'],
        ],
      );
      expect(await odsTypes('widen')).toMatchObject({
        id: 'INT',
        qty: 'INT',
        price: 'DECIMAL(10, 2)',
        ratio: 'FLOAT',
      });

      await put(
        'shop/widen/20240101-000010000.parquet',
        [
          ['id', 'int64'],
          ['qty', 'int64'],
          ['price', 'decimal(20,4)'],
          ['ratio', 'float64'],
        ],
        [
          {
            Op: 'U',
            [TS]: at(10),
            id: 1,
            qty: '9223372036854775807',
            price: '1234567890123456.1234',
            ratio: 1e300,
          },
          { Op: 'I', [TS]: at(10), id: 3, qty: '-9223372036854775808', price: '-0.0001', ratio: 2 },
        ],
      );
      await expectOds(
        'widen',
        ['qty', 'price', 'ratio'],
        [
          ['1', '9223372036854775807', '1234567890123456.1234', '1e300'],
          ['2', '-5', '0.0100', '-0.25'],
          ['3', '-9223372036854775808', '-0.0001', '2'],
        ],
      );
      expect(await odsTypes('widen')).toMatchObject({
        id: 'BIGINT',
        qty: 'BIGINT',
        price: 'DECIMAL(20, 4)',
        ratio: 'DOUBLE',
      });
    },
  );
});

describe('an incompatible type change', () => {
  const badKey = 'shop/bad/20240101-000010000.parquet';

  it(
    'pauses only its table, names table, column, both types and the file, while another table loads',
    { timeout: 240_000 },
    async () => {
      await put(
        'shop/bad/LOAD00000001.parquet',
        [
          ['id', 'int64'],
          ['v', 'string'],
        ],
        [
          { Op: 'I', [TS]: at(0), id: 1, v: '10' },
          { Op: 'I', [TS]: at(0), id: 2, v: '20' },
        ],
      );
      await put(
        'shop/steady/20240101-000001000.parquet',
        [
          ['id', 'int64'],
          ['name', 'string'],
        ],
        [{ Op: 'I', [TS]: at(1), id: 1, name: 'one' }],
      );
      await expectOds(
        'bad',
        ['v'],
        [
          ['1', '10'],
          ['2', '20'],
        ],
      );

      await put(
        badKey,
        [
          ['id', 'int64'],
          ['v', 'int64'],
        ],
        [
          { Op: 'U', [TS]: at(10), id: 1, v: 11 },
          { Op: 'I', [TS]: at(10), id: 3, v: 30 },
        ],
      );
      await replicator.waitForLog(/"table paused"/, 60_000);
      const [paused] = logEntries(replicator, /^table paused$/);
      expect(paused?.table).toBe('bad');
      const reason = String(paused?.reason);
      expect(reason).toContain(`${target.config.databend.rawDatabase}.bad`);
      expect(reason).toContain('column "v" is VARCHAR in the table but BIGINT in the file');
      expect(reason).toContain(badKey);
      expect(await metric('bend_replicator_tables_paused', { table: 'bad' })).toBe(1);

      // Behind the pause: a later file of the paused table waits; another table loads.
      await put(
        'shop/bad/20240101-000020000.parquet',
        [
          ['id', 'int64'],
          ['v', 'int64'],
        ],
        [{ Op: 'U', [TS]: at(20), id: 2, v: 21 }],
      );
      await put(
        'shop/steady/20240101-000030000.parquet',
        [
          ['id', 'int64'],
          ['name', 'string'],
        ],
        [
          { Op: 'U', [TS]: at(30), id: 1, name: 'uno' },
          { Op: 'I', [TS]: at(30), id: 2, name: 'two' },
        ],
      );
      await expectOds(
        'steady',
        ['name'],
        [
          ['1', 'uno'],
          ['2', 'two'],
        ],
      );
      expect(await ods('bad', ['v'])).toEqual([
        ['1', '10'],
        ['2', '20'],
      ]);
      expect(logEntries(replicator, /^table paused$/).map((e) => e.table)).toEqual(['bad']);
    },
  );

  it(
    'converges after the operator alters the column and resumes the table',
    { timeout: 240_000 },
    async () => {
      const { rawDatabase, odsDatabase } = target.config.databend;
      for (const db of [rawDatabase, odsDatabase])
        await conn.exec(`ALTER TABLE ${qualified(db, 'bad')} MODIFY COLUMN v BIGINT NULL`);
      // An operator re-runs a command that met a transient commit conflict; so does the test.
      let resumed = await runCli(target.config, ['resume', '--table', 'bad']);
      for (
        let i = 0;
        i < 2 && resumed.code !== 0 && /\b(4001|2011|4002|4003)\b/.test(resumed.stderr);
        i++
      )
        resumed = await runCli(target.config, ['resume', '--table', 'bad']);
      expect(resumed.code, resumed.stderr).toBe(0);

      await expectOds(
        'bad',
        ['v'],
        [
          ['1', '11'],
          ['2', '21'],
          ['3', '30'],
        ],
      );
      expect(await odsTypes('bad')).toMatchObject({ v: 'BIGINT' });
      await waitFor('the paused gauge to drop', async () =>
        (await metric('bend_replicator_tables_paused', { table: 'bad' })) === 0 ? true : undefined,
      );
    },
  );
});
