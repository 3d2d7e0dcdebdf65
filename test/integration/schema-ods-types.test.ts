// Every Databend type the map produces, read back from ODS after the service's own batch path
// (COPY into raw, MERGE into ODS): the extremes of a DMS-shaped fixture file, exactly, and the
// simulator's `all_types` table (every MySQL type) equal to the source, with DECIMAL scale,
// timestamp precision, unsigned 64-bit values beyond 2^53 and JSON as VARIANT checked one by one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogTablesByName, type DmsSettings } from '../../sim/index.js';
import { qualified, quoteIdent } from '../../src/databend/quote.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { TestLoader } from '../support/cli.js';
import { tableSettings } from '../support/replicator.js';
import { countOf, simulatedFiles, waitForTable } from '../support/schema-scenario.js';
import { s3 } from '../support/stack.js';
import { useTestTargets } from '../support/targets.js';
import { DMS_TYPES_FIRST_ROW, DMS_TYPES_THIRD_ROW } from '../support/schema-fixture.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'schema');

const targets = useTestTargets();

/** Row 1 of the fixture: the extremes (ODS keeps no Op). */
const FIRST = { ...DMS_TYPES_FIRST_ROW, is_deleted: 'false' };

/** Row 3: the other extremes, a delete, so a tombstone with the deleted row's values. */
const THIRD = { ...DMS_TYPES_THIRD_ROW, is_deleted: 'true' };

describe.each([
  ['a DMS file (ConvertedType only)', 'dms-types.parquet', 'BIGINT'],
  ['a file with LogicalType annotations', 'dms-types-v2.parquet', 'INT UNSIGNED'],
])('every mapped type in ODS, from %s', (_, fixture, uintType) => {
  let ods: string;

  beforeAll(async () => {
    const target = await targets.target(
      'odstypes',
      { 'shop.types': { primaryKey: ['id'], columnTypes: { doc: 'VARIANT' } } },
      { dms: { timestampColumn: 'DMS_TIMESTAMP' } },
    );
    const { config } = target;
    const { odsDatabase } = config.databend;
    const pool = new SessionPool(config.databend.dsn);
    try {
      await prepareDatabend(pool, config);
      await new TestLoader(config, pool, s3()).putAndLoad([
        {
          key: 'shop/types/LOAD00000001.parquet',
          body: readFileSync(join(fixtures, fixture)),
        },
      ]);
    } finally {
      await pool.close();
    }
    ods = qualified(odsDatabase, 'types');
  });

  it('creates ODS columns of the mapped types', { timeout: 240_000 }, async () => {
    const rows = await targets.conn.queryAll(`DESC ${ods}`);
    const types = Object.fromEntries(rows.map((r) => r.values() as [string, string]));
    expect(types).toMatchObject({
      tiny: 'TINYINT', big: 'BIGINT', utiny: 'TINYINT UNSIGNED', uint: uintType,
      ubig: 'BIGINT UNSIGNED', price: 'DECIMAL(10, 2)', amount: 'DECIMAL(38, 4)',
      huge: 'DECIMAL(65, 30)', created_ms: 'TIMESTAMP', updated_us: 'TIMESTAMP', birthday: 'DATE',
      active: 'BOOLEAN', doc: 'VARIANT', payload: 'BINARY', ratio: 'FLOAT', score: 'DOUBLE',
    }); // prettier-ignore
    expect(types).not.toHaveProperty('Op');
  });

  it('reads every value back unchanged, as text', { timeout: 240_000 }, async () => {
    const names = Object.keys(FIRST);
    const list = names.map((c) =>
      ['payload', 'bits'].includes(c)
        ? `hex(${quoteIdent(c)}) AS ${quoteIdent(c)}`
        : `${quoteIdent(c)}::STRING AS ${quoteIdent(c)}`,
    );
    const rows = (
      await targets.conn.queryAll(`SELECT ${list.join(', ')} FROM ${ods} ORDER BY id`)
    ).map((r) => r.data());
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual(FIRST);
    expect(rows[1]).toMatchObject({
      id: '2',
      tiny: null,
      huge: null,
      doc: null,
      is_deleted: 'false',
    });
    expect(rows[2]).toMatchObject(THIRD);
  });

  it(
    'returns typed values exactly: 64-bit unsigned beyond 2^53, DECIMAL scale, µs timestamps, JSON',
    { timeout: 240_000 },
    async () => {
      const row = await targets.conn.queryRow(
        `SELECT ubig, huge::STRING, updated_us, doc['a'][2]::STRING, doc['s']::STRING, ` +
          `typeof(doc) FROM ${ods} WHERE id = 3`,
      );
      const [ubig, huge, updated, nested, text, type] = (row?.values() ?? []) as unknown[];
      expect(ubig).toBe(9007199254740993n);
      expect(huge).toBe('-1.000000000000000000000000000000');
      expect((updated as Date).toISOString()).toBe('2038-01-19T03:14:08.000Z');
      expect([nested, text]).toEqual([null, null]);
      // The value is JSON, not text: `[]` is an array.
      expect(type).toBe('ARRAY');
      const first = await targets.conn.queryRow(
        `SELECT ubig, doc['a'][2]::STRING, doc['s']::STRING, ` +
          `updated_us::STRING FROM ${ods} WHERE id = 1`,
      );
      expect(first?.values()).toEqual([
        18446744073709551615n,
        '{"b":null}',
        "x'y",
        '2024-01-02 03:04:05.678901',
      ]);
    },
  );
});

describe.each<[string, Partial<DmsSettings>, 'micros' | 'millis']>([
  ['default settings (Parquet 1.0, µs)', {}, 'micros'],
  [
    'Parquet 2.0 and millisecond timestamps',
    { parquetVersion: 'PARQUET_2_0', parquetTimestampInMillisecond: true },
    'millis',
  ],
])('the simulator’s all_types table through the service, %s', (_, dms, unit) => {
  it('equals the source in every column', { timeout: 240_000 }, async () => {
    const tables = catalogTablesByName('shop', ['all_types']);
    const { config, pipe } = await targets.target('alltypes', tableSettings(tables));
    const { odsDatabase } = config.databend;
    const source = await simulatedFiles(
      pipe.bucket,
      { seed: 71, durationSeconds: 15, transactionsPerSecond: 6, initialRows: 60, tables },
      dms,
    );
    const replicator = targets.replicator(config);
    replicator.start();
    await source.deliver();
    const diff = await waitForTable(targets.conn, source.simulation.truth, 'shop.all_types', {
      database: odsDatabase,
      timestampUnit: unit,
    });
    expect(diff.equal, diff.report).toBe(true);

    const ods = qualified(odsDatabase, 'all_types');
    const types = Object.fromEntries(
      (await targets.conn.queryAll(`DESC ${ods}`)).map((r) => r.values() as [string, string]),
    );
    expect(types).toMatchObject({
      c_bigint_u: 'BIGINT UNSIGNED',
      c_decimal_huge: 'DECIMAL(65, 30)',
      c_decimal_wide: 'DECIMAL(38, 12)',
      c_datetime6: 'TIMESTAMP',
      c_json: 'VARIANT',
      c_int_u: dms.parquetVersion === 'PARQUET_2_0' ? 'INT UNSIGNED' : 'BIGINT',
    });

    // Beyond 2^53 the driver's BigInt must equal the source's digits.
    const truth = [...(source.simulation.truth.get('shop.all_types')?.rows.values() ?? [])];
    const big = truth.filter((r) => {
      const value = r.c_bigint_u;
      return typeof value === 'string' && BigInt(value) > 2n ** 53n;
    });
    expect(big.length).toBeGreaterThan(0);
    for (const r of big.slice(0, 5)) {
      const found = await targets.conn.queryRow(
        `SELECT c_bigint_u FROM ${ods} WHERE id = ${Number(r.id)} AND NOT is_deleted`,
      );
      expect(found?.values()[0]).toBe(BigInt(r.c_bigint_u ?? ''));
    }
    // DECIMAL keeps its scale; timestamps keep their precision.
    const decimals = `${ods} WHERE c_decimal_huge IS NOT NULL`;
    expect(await countOf(targets.conn, decimals)).toBeGreaterThan(0);
    expect(
      await countOf(
        targets.conn,
        `${decimals} AND c_decimal_huge::STRING LIKE '%.${'_'.repeat(30)}'`,
      ),
    ).toBe(await countOf(targets.conn, decimals));
    const subMillisecond = await countOf(
      targets.conn,
      // The text form always has six fraction digits (date_format's %f drops trailing zeros).
      `${ods} WHERE c_datetime6::STRING NOT LIKE '%000'`,
    );
    if (unit === 'micros') expect(subMillisecond).toBeGreaterThan(0);
    else expect(subMillisecond).toBe(0);
  });
});
