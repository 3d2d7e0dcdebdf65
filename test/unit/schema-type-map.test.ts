import { describe, expect, it } from 'vitest';
import { formatDatabendType } from '../../src/schema/databend-type.js';
import type { ParquetColumn } from '../../src/schema/parquet-column.js';
import {
  mapParquetColumn,
  mapParquetColumns,
  type ColumnTypeOverride,
} from '../../src/schema/type-map.js';

function column(fields: Omit<ParquetColumn, 'name' | 'repetition'>): ParquetColumn {
  return { name: 'c', repetition: 'OPTIONAL', ...fields };
}

/** The Databend type a column maps to, or the reason it does not. */
function mapped(c: ParquetColumn, override?: ColumnTypeOverride): string {
  const result = mapParquetColumn(c, override);
  return result.ok
    ? formatDatabendType(result.column.databendType)
    : `unsupported: ${result.unsupported.reason}`;
}

describe('mapParquetColumn, for the columns DMS writes (ConvertedType only)', () => {
  it.each<[string, Omit<ParquetColumn, 'name' | 'repetition'>, string]>([
    [
      'TINYINT and TINYINT(1)',
      { physicalType: 'INT32', convertedType: 'INT_8', intType: { bitWidth: 8, isSigned: true } },
      'TINYINT',
    ],
    [
      'SMALLINT / YEAR',
      { physicalType: 'INT32', convertedType: 'INT_16', intType: { bitWidth: 16, isSigned: true } },
      'SMALLINT',
    ],
    ['INT / MEDIUMINT', { physicalType: 'INT32' }, 'INT'],
    ['BIGINT', { physicalType: 'INT64' }, 'BIGINT'],
    [
      'TINYINT UNSIGNED',
      { physicalType: 'INT32', convertedType: 'UINT_8', intType: { bitWidth: 8, isSigned: false } },
      'TINYINT UNSIGNED',
    ],
    [
      'SMALLINT UNSIGNED',
      {
        physicalType: 'INT32',
        convertedType: 'UINT_16',
        intType: { bitWidth: 16, isSigned: false },
      },
      'SMALLINT UNSIGNED',
    ],
    [
      'INT UNSIGNED (PARQUET_2_0)',
      {
        physicalType: 'INT32',
        convertedType: 'UINT_32',
        intType: { bitWidth: 32, isSigned: false },
      },
      'INT UNSIGNED',
    ],
    ['INT UNSIGNED (PARQUET_1_0)', { physicalType: 'INT64' }, 'BIGINT'],
    [
      'BIGINT UNSIGNED',
      {
        physicalType: 'INT64',
        convertedType: 'UINT_64',
        intType: { bitWidth: 64, isSigned: false },
      },
      'BIGINT UNSIGNED',
    ],
    [
      'DECIMAL(10,2)',
      {
        physicalType: 'FIXED_LEN_BYTE_ARRAY',
        typeLength: 5,
        convertedType: 'DECIMAL',
        precision: 10,
        scale: 2,
      },
      'DECIMAL(10, 2)',
    ],
    [
      'DECIMAL(65,30), beyond 38',
      {
        physicalType: 'FIXED_LEN_BYTE_ARRAY',
        typeLength: 28,
        convertedType: 'DECIMAL',
        precision: 65,
        scale: 30,
      },
      'DECIMAL(65, 30)',
    ],
    [
      'DECIMAL on INT32',
      { physicalType: 'INT32', convertedType: 'DECIMAL', precision: 9, scale: 2 },
      'DECIMAL(9, 2)',
    ],
    [
      'DECIMAL on INT64',
      { physicalType: 'INT64', convertedType: 'DECIMAL', precision: 18, scale: 0 },
      'DECIMAL(18, 0)',
    ],
    ['DATETIME in ms', { physicalType: 'INT64', convertedType: 'TIMESTAMP_MILLIS' }, 'TIMESTAMP'],
    ['DATETIME in µs', { physicalType: 'INT64', convertedType: 'TIMESTAMP_MICROS' }, 'TIMESTAMP'],
    ['DATE', { physicalType: 'INT32', convertedType: 'DATE' }, 'DATE'],
    ['TIME (a string)', { physicalType: 'BYTE_ARRAY', convertedType: 'UTF8' }, 'VARCHAR'],
    ['BIT(1)', { physicalType: 'BOOLEAN' }, 'BOOLEAN'],
    ['JSON (a string)', { physicalType: 'BYTE_ARRAY', convertedType: 'UTF8' }, 'VARCHAR'],
    ['ENUM', { physicalType: 'BYTE_ARRAY', convertedType: 'ENUM' }, 'VARCHAR'],
    ['BLOB / BINARY / BIT(64)', { physicalType: 'BYTE_ARRAY' }, 'BINARY'],
    ['FLOAT', { physicalType: 'FLOAT' }, 'FLOAT'],
    ['DOUBLE', { physicalType: 'DOUBLE' }, 'DOUBLE'],
    ['legacy INT96 timestamps', { physicalType: 'INT96' }, 'TIMESTAMP'],
    ['fixed-length bytes', { physicalType: 'FIXED_LEN_BYTE_ARRAY', typeLength: 16 }, 'BINARY'],
  ])('maps %s to its Databend type', (_, fields, expected) => {
    expect(mapped(column(fields))).toBe(expected);
  });
});

describe('mapParquetColumn, for LogicalType annotations', () => {
  it.each<[string, Omit<ParquetColumn, 'name' | 'repetition'>, string]>([
    [
      'INTEGER(32, unsigned)',
      {
        physicalType: 'INT32',
        logicalType: { type: 'INTEGER', bitWidth: 32, isSigned: false },
        intType: { bitWidth: 32, isSigned: false },
      },
      'INT UNSIGNED',
    ],
    [
      'TIMESTAMP(NANOS)',
      {
        physicalType: 'INT64',
        logicalType: { type: 'TIMESTAMP', unit: 'NANOS', isAdjustedToUTC: false },
      },
      'TIMESTAMP',
    ],
    [
      'DECIMAL',
      {
        physicalType: 'FIXED_LEN_BYTE_ARRAY',
        typeLength: 16,
        logicalType: { type: 'DECIMAL', precision: 38, scale: 4 },
        precision: 38,
        scale: 4,
      },
      'DECIMAL(38, 4)',
    ],
    ['STRING', { physicalType: 'BYTE_ARRAY', logicalType: { type: 'STRING' } }, 'VARCHAR'],
    [
      'JSON',
      { physicalType: 'BYTE_ARRAY', logicalType: { type: 'JSON' }, convertedType: 'JSON' },
      'VARIANT',
    ],
    ['BSON', { physicalType: 'BYTE_ARRAY', logicalType: { type: 'BSON' } }, 'BINARY'],
  ])('maps %s to its Databend type', (_, fields, expected) => {
    expect(mapped(column(fields))).toBe(expected);
  });
});

describe('mapParquetColumn, for what Databend cannot load', () => {
  it.each<[string, Omit<ParquetColumn, 'name' | 'repetition'>, RegExp]>([
    [
      'TIME(MICROS)',
      {
        physicalType: 'INT64',
        logicalType: { type: 'TIME', unit: 'MICROS', isAdjustedToUTC: false },
      },
      /TIME cannot be read/,
    ],
    ['TIME_MILLIS', { physicalType: 'INT32', convertedType: 'TIME_MILLIS' }, /TIME cannot be read/],
    [
      'INTERVAL',
      { physicalType: 'FIXED_LEN_BYTE_ARRAY', typeLength: 12, convertedType: 'INTERVAL' },
      /INTERVAL/,
    ],
    [
      'DECIMAL(77,2)',
      {
        physicalType: 'FIXED_LEN_BYTE_ARRAY',
        typeLength: 33,
        convertedType: 'DECIMAL',
        precision: 77,
        scale: 2,
      },
      /maximum precision of 76/,
    ],
    ['a nested group', { physicalType: 'GROUP' }, /nested/],
    [
      'an unknown logical type',
      { physicalType: 'FIXED_LEN_BYTE_ARRAY', typeLength: 2, logicalType: { type: 'OTHER' } },
      /logical type is not supported/,
    ],
  ])('refuses %s with a reason', (_, fields, reason) => {
    expect(mapped(column(fields))).toMatch(reason);
  });

  it('refuses a repeated column', () => {
    expect(mapped({ name: 'c', repetition: 'REPEATED', physicalType: 'INT32' })).toMatch(
      /repeated/,
    );
  });
});

describe('column type overrides', () => {
  const utf8 = column({ physicalType: 'BYTE_ARRAY', convertedType: 'UTF8' });

  it('loads a UTF8 column as VARIANT through parse_json when configured', () => {
    const result = mapParquetColumn(utf8, 'VARIANT');
    expect(result.ok && formatDatabendType(result.column.databendType)).toBe('VARIANT');
    expect(result.ok && result.column.loadExpression('`doc`')).toBe('parse_json(`doc`)');
  });

  it('loads other columns by their plain reference', () => {
    const result = mapParquetColumn(utf8);
    expect(result.ok && result.column.loadExpression('`doc`')).toBe('`doc`');
  });

  it('loads a JSON-annotated column as VARIANT by default and as VARCHAR on request', () => {
    const json = column({ physicalType: 'BYTE_ARRAY', convertedType: 'JSON' });
    const byDefault = mapParquetColumn(json);
    expect(byDefault.ok && byDefault.column.loadExpression('`j`')).toBe('parse_json(`j`)');
    expect(mapped(json, 'STRING')).toBe('VARCHAR');
  });

  it('refuses an override on a column that is not text', () => {
    expect(mapped(column({ physicalType: 'INT64' }), 'VARIANT')).toMatch(
      /columnTypes sets VARIANT, which applies only to text/,
    );
  });

  it('applies overrides by exact column name', () => {
    const columns: ParquetColumn[] = [
      { ...utf8, name: 'doc' },
      { ...utf8, name: 'Doc' },
    ];
    const result = mapParquetColumns(columns, { doc: 'VARIANT' });
    expect(result.columns.map((c) => [c.name, formatDatabendType(c.databendType)])).toEqual([
      ['doc', 'VARIANT'],
      ['Doc', 'VARCHAR'],
    ]);
  });

  it('lists unsupported columns next to the mapped ones', () => {
    const result = mapParquetColumns([
      { ...utf8, name: 'ok' },
      { name: 't', repetition: 'OPTIONAL', physicalType: 'INT32', convertedType: 'TIME_MILLIS' },
    ]);
    expect(result.columns.map((c) => c.name)).toEqual(['ok']);
    expect(result.unsupported).toEqual([
      { name: 't', reason: expect.stringContaining('TIME') as unknown },
    ]);
  });
});
