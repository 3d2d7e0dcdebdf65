// Tables created from a DMS-style file's footer load every mapped type by COPY and read each
// value back unchanged, on the local engine and moto S3.
import { beforeAll, describe, expect, it } from 'vitest';
import { qualified, quoteIdent } from '../../src/databend/quote.js';
import { formatDatabendType } from '../../src/schema/databend-type.js';
import { ObjectMissingError, s3RangeReader } from '../../src/schema/range-reader.js';
import {
  createOdsTableSql,
  createRawTableSql,
  odsBusinessColumns,
  rawBusinessColumns,
  readTableColumns,
} from '../../src/schema/table-ddl.js';
import { mapParquetColumns, type MappedColumn } from '../../src/schema/type-map.js';
import {
  DMS_TYPES_FIRST_ROW,
  DMS_TYPES_THIRD_ROW,
  fixtureCopySql,
  useFixtureStage,
} from '../support/schema-fixture.js';

const fixture = useFixtureStage('schema_types');
const { stack, rawDb, odsDb, stage, prefix } = fixture;
const layout = { opColumn: 'Op', timestampColumn: 'DMS_TIMESTAMP' };
const etags = new Map<string, string | undefined>();

async function mappedColumnsOf(name: string): Promise<readonly MappedColumn[]> {
  const mapped = mapParquetColumns((await fixture.schemaOf(name)).columns, { doc: 'VARIANT' });
  expect(mapped.unsupported).toEqual([]);
  return mapped.columns;
}

/** Every column as text (bytes as hex), so no value passes through a JS number or Date. */
async function readBack(
  table: string,
  columns: readonly MappedColumn[],
): Promise<Record<string, unknown>[]> {
  const list = columns.map((c) =>
    c.databendType.kind === 'binary'
      ? `hex(${quoteIdent(c.name)}) AS ${quoteIdent(c.name)}`
      : `${quoteIdent(c.name)}::STRING AS ${quoteIdent(c.name)}`,
  );
  const rows = await fixture.conn.queryAll(
    `SELECT ${list.join(', ')} FROM ${qualified(rawDb, table)} ORDER BY _row`,
  );
  return rows.map((r) => r.data() as Record<string, unknown>);
}

const FIRST_ROW = { Op: 'I', ...DMS_TYPES_FIRST_ROW };

const THIRD_ROW = { Op: 'D', ...DMS_TYPES_THIRD_ROW };

beforeAll(async () => {
  etags.set('dms-types.parquet', await fixture.upload('dms-types.parquet'));
});

describe.each([
  ['a DMS file (ConvertedType only, PARQUET_1_0)', 'dms-types.parquet', 'v1', 'BIGINT'],
  [
    'a file with LogicalType annotations (PARQUET_2_0)',
    'dms-types-v2.parquet',
    'v2',
    'INT UNSIGNED',
  ],
])('every mapped type, from %s', (_, file, table, uintType) => {
  let columns: readonly MappedColumn[];

  beforeAll(async () => {
    columns = await mappedColumnsOf(file);
  });

  it('creates raw and ODS whose columns read back with the mapped types', async () => {
    await fixture.conn.exec(createRawTableSql(rawDb, table, rawBusinessColumns(columns, layout)));
    await fixture.conn.exec(createOdsTableSql(odsDb, table, odsBusinessColumns(columns, layout)));

    const raw = await readTableColumns(fixture.conn, rawDb, table);
    const ods = await readTableColumns(fixture.conn, odsDb, table);
    const typesOf = (cols: typeof raw) =>
      Object.fromEntries((cols ?? []).map((c) => [c.name, formatDatabendType(c.type)]));
    expect(typesOf(raw)).toEqual({
      Op: 'VARCHAR', DMS_TIMESTAMP: 'VARCHAR', id: 'INT', tiny: 'TINYINT', flag: 'TINYINT',
      small: 'SMALLINT', big: 'BIGINT', utiny: 'TINYINT UNSIGNED', usmall: 'SMALLINT UNSIGNED',
      uint: uintType, ubig: 'BIGINT UNSIGNED', price: 'DECIMAL(10, 2)', amount: 'DECIMAL(38, 4)',
      huge: 'DECIMAL(65, 30)', created_ms: 'TIMESTAMP', updated_us: 'TIMESTAMP', birthday: 'DATE',
      at_time: 'VARCHAR', active: 'BOOLEAN', doc: 'VARIANT', name: 'VARCHAR', body: 'VARCHAR',
      status: 'VARCHAR', tags: 'VARCHAR', payload: 'BINARY', bits: 'BINARY', ratio: 'FLOAT',
      score: 'DOUBLE', _file: 'VARCHAR', _row: 'BIGINT', _seq: 'VARCHAR', _batch: 'VARCHAR',
      _loaded_at: 'TIMESTAMP',
    }); // prettier-ignore
    expect(Object.keys(typesOf(ods))).toEqual([
      ...columns.filter((c) => c.name !== 'Op').map((c) => c.name),
      'is_deleted',
      '_seq',
      '_updated_at',
    ]);
  });

  it('loads the file by COPY and reads every value back unchanged', async () => {
    expect(await fixture.conn.exec(fixtureCopySql({ rawDb, table, stage }, columns, file))).toBe(3);

    const rows = await readBack(table, columns);

    expect(rows[0]).toEqual(FIRST_ROW);
    expect(rows[1]).toEqual(
      Object.fromEntries(
        columns.map((c) => [
          c.name,
          ({ Op: 'U', DMS_TIMESTAMP: FIRST_ROW.DMS_TIMESTAMP, id: '2' } as Record<string, string>)[
            c.name
          ] ?? null,
        ]),
      ),
    );
    expect(rows[2]).toMatchObject(THIRD_ROW);
  });

  it('stores JSON text as a VARIANT that can be navigated', async () => {
    const row = await fixture.conn.queryRow(
      `SELECT doc['a'][2]::STRING, doc['s']::STRING FROM ${qualified(rawDb, table)} WHERE id = 1`,
    );
    expect(row?.values()).toEqual(['{"b":null}', "x'y"]);
  });

  it('returns BIGINT UNSIGNED above 2^53 exactly, as a BigInt or as text', async () => {
    const row = await fixture.conn.queryRow(
      `SELECT ubig, ubig::STRING FROM ${qualified(rawDb, table)} WHERE id = 3`,
    );
    expect(row?.values()).toEqual([9007199254740993n, '9007199254740993']);
  });
});

describe('s3RangeReader against S3', () => {
  it('reports a missing object', async () => {
    const reader = s3RangeReader(fixture.client, stack.bucket, `${prefix}/nope.parquet`);
    const error: unknown = await reader(0, 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectMissingError);
    expect(error).toMatchObject({ reason: 'not-found' });
  });

  it('reports an object whose ETag no longer matches', async () => {
    const reader = s3RangeReader(
      fixture.client,
      stack.bucket,
      `${prefix}/dms-types.parquet`,
      '0123456789abcdef0123456789abcdef',
    );
    await expect(reader(0, 4)).rejects.toMatchObject({
      name: 'ObjectMissingError',
      reason: 'etag-changed',
    });
  });

  it('reads a range of the announced version', async () => {
    const reader = s3RangeReader(
      fixture.client,
      stack.bucket,
      `${prefix}/dms-types.parquet`,
      etags.get('dms-types.parquet'),
    );
    expect((await reader(0, 4)).toString('latin1')).toBe('PAR1');
  });
});
