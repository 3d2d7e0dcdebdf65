import { describe, expect, it } from 'vitest';
import { defineTable, parseMysqlType, parquetLayout, resolveDmsSettings } from '../../sim/index.js';
import { decimalByteWidth } from '../../sim/dms/parquet-types.js';

const settings = resolveDmsSettings();

describe('the simulator reads MySQL column types', () => {
  it('reads TINYINT(1) and BOOL as the boolean-ish tinyint, other TINYINTs as integers', () => {
    expect(parseMysqlType('tinyint(1)')).toEqual({ kind: 'tinyint1' });
    expect(parseMysqlType('BOOLEAN')).toEqual({ kind: 'tinyint1' });
    expect(parseMysqlType('tinyint(4)')).toEqual({
      kind: 'integer',
      name: 'tinyint',
      unsigned: false,
    });
    expect(parseMysqlType('TINYINT(1) UNSIGNED')).toEqual({
      kind: 'integer',
      name: 'tinyint',
      unsigned: true,
    });
  });

  it('reads precision, scale, fractional seconds and value lists', () => {
    expect(parseMysqlType('decimal(65,30) unsigned')).toEqual({
      kind: 'decimal',
      precision: 65,
      scale: 30,
      unsigned: true,
    });
    expect(parseMysqlType('DATETIME(6)')).toEqual({ kind: 'datetime', fsp: 6 });
    expect(parseMysqlType('time')).toEqual({ kind: 'time', fsp: 0 });
    expect(parseMysqlType("enum('a','it''s','b, c')")).toEqual({
      kind: 'enum',
      values: ['a', "it's", 'b, c'],
    });
    expect(parseMysqlType('bit(64)')).toEqual({ kind: 'bit', width: 64 });
  });

  it('rejects types it does not know and out-of-range arguments', () => {
    expect(() => parseMysqlType('geometry')).toThrow(/Unsupported/);
    expect(() => parseMysqlType('decimal(70,2)')).toThrow(/range/);
    expect(() => parseMysqlType('datetime(7)')).toThrow(/Fractional/);
  });

  it('rejects a primary key that names no column and keeps key columns NOT NULL', () => {
    expect(() =>
      defineTable({
        schema: 's',
        name: 't',
        columns: [{ name: 'a', type: 'int' }],
        primaryKey: ['b'],
      }),
    ).toThrow(/not a column/);
    const table = defineTable({
      schema: 's',
      name: 't',
      columns: [
        { name: 'a', type: 'int', nullable: true },
        { name: 'b', type: 'json' },
      ],
      primaryKey: ['a'],
    });
    expect(table.columns.map((c) => c.nullable)).toEqual([false, true]);
  });
});

describe('the Parquet layout of each MySQL type follows dms-s3-sqs.md §A3', () => {
  const layout = (type: string, overrides = {}) =>
    parquetLayout(parseMysqlType(type), { ...settings, ...overrides });

  it('writes integers with the ConvertedType of their width and signedness', () => {
    expect(layout('tinyint')).toMatchObject({ physical: 'INT32', converted: 'INT_8' });
    expect(layout('tinyint(1)')).toMatchObject({ physical: 'INT32', converted: 'INT_8' });
    expect(layout('smallint unsigned')).toMatchObject({ physical: 'INT32', converted: 'UINT_16' });
    expect(layout('year')).toMatchObject({ physical: 'INT32', converted: 'INT_16' });
    expect(layout('int')).toMatchObject({ physical: 'INT32', converted: null });
    expect(layout('bigint')).toMatchObject({ physical: 'INT64', converted: null });
    expect(layout('bigint unsigned')).toMatchObject({ physical: 'INT64', converted: 'UINT_64' });
  });

  it('widens INT UNSIGNED to a plain INT64 in Parquet 1.0 and keeps UINT_32 in 2.0', () => {
    expect(layout('int unsigned')).toMatchObject({ physical: 'INT64', converted: null });
    expect(layout('int unsigned', { parquetVersion: 'PARQUET_2_0' })).toMatchObject({
      physical: 'INT32',
      converted: 'UINT_32',
    });
  });

  it('writes DECIMAL as a minimal FIXED_LEN_BYTE_ARRAY, as the DMS sample does', () => {
    expect(decimalByteWidth(15)).toBe(7); // numeric(15,2) → FLBA(7) in the sample
    expect(decimalByteWidth(38)).toBe(16); // money → FLBA(16) DECIMAL(38,4)
    expect(layout('decimal(40,10)')).toMatchObject({
      physical: 'FIXED_LEN_BYTE_ARRAY',
      converted: 'DECIMAL',
      typeLength: 17,
      precision: 40,
      scale: 10,
    });
  });

  it('writes DATETIME and TIMESTAMP as INT64 micros, or millis when asked', () => {
    expect(layout('datetime(6)')).toMatchObject({
      physical: 'INT64',
      converted: 'TIMESTAMP_MICROS',
    });
    expect(layout('timestamp', { parquetTimestampInMillisecond: true })).toMatchObject({
      physical: 'INT64',
      converted: 'TIMESTAMP_MILLIS',
    });
  });

  it('writes TIME, JSON, ENUM and SET as UTF8, BLOB as bare BYTE_ARRAY, BIT(1) as BOOLEAN', () => {
    for (const t of ['time', 'json', "enum('a')", "set('a')", 'varchar(3)', 'longtext']) {
      expect(layout(t)).toMatchObject({ physical: 'BYTE_ARRAY', converted: 'UTF8' });
    }
    for (const t of ['blob', 'varbinary(4)', 'bit(64)']) {
      expect(layout(t)).toMatchObject({ physical: 'BYTE_ARRAY', converted: null });
    }
    expect(layout('bit(1)')).toMatchObject({ physical: 'BOOLEAN', converted: null });
    expect(layout('float')).toMatchObject({ physical: 'DOUBLE', converted: null });
    expect(layout('date')).toMatchObject({ physical: 'INT32', converted: 'DATE' });
  });
});
