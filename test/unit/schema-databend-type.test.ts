import { describe, expect, it } from 'vitest';
import {
  formatDatabendType,
  parseDatabendType,
  type DatabendType,
} from '../../src/schema/databend-type.js';

describe('Databend type spelling', () => {
  const created: DatabendType[] = [
    { kind: 'integer', bits: 8, signed: true },
    { kind: 'integer', bits: 16, signed: false },
    { kind: 'integer', bits: 32, signed: true },
    { kind: 'integer', bits: 64, signed: false },
    { kind: 'decimal', precision: 65, scale: 30 },
    { kind: 'float' },
    { kind: 'double' },
    { kind: 'boolean' },
    { kind: 'string' },
    { kind: 'binary' },
    { kind: 'date' },
    { kind: 'timestamp' },
    { kind: 'variant' },
  ];

  it.each(created.map((t) => [formatDatabendType(t), t] as const))(
    'reads %s back as the type it was written from',
    (sql, type) => {
      expect(parseDatabendType(sql)).toEqual(type);
    },
  );

  it('writes the spellings DESC prints', () => {
    expect(created.map(formatDatabendType)).toEqual([
      'TINYINT', 'SMALLINT UNSIGNED', 'INT', 'BIGINT UNSIGNED', 'DECIMAL(65, 30)', 'FLOAT',
      'DOUBLE', 'BOOLEAN', 'VARCHAR', 'BINARY', 'DATE', 'TIMESTAMP', 'VARIANT',
    ]); // prettier-ignore
  });

  it('ignores nullability and string lengths', () => {
    expect(parseDatabendType('Nullable(DECIMAL(10,2))')).toEqual({
      kind: 'decimal',
      precision: 10,
      scale: 2,
    });
    expect(parseDatabendType('int unsigned not null')).toEqual({
      kind: 'integer',
      bits: 32,
      signed: false,
    });
    expect(parseDatabendType('VARCHAR(255) NULL')).toEqual({ kind: 'string' });
  });

  it('keeps a type it does not know verbatim', () => {
    const type = parseDatabendType('ARRAY(INT32)');
    expect(type).toEqual({ kind: 'other', sql: 'ARRAY(INT32)' });
    expect(formatDatabendType(type)).toBe('ARRAY(INT32)');
  });
});
