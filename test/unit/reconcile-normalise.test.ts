import { describe, expect, it } from 'vitest';
import { columnKind, fromOds, fromSource } from '../../src/reconcile/normalise.js';

describe('reconcile value normalisation', () => {
  it('reads DECIMAL with exactly its scale on both sides', () => {
    const kind = columnKind('DECIMAL(12, 2)', 'decimal');
    expect(fromSource(kind, '12.50')).toBe('12.50');
    expect(fromOds(kind, '12.5')).toBe('12.50');
    expect(fromOds(kind, '-0.00')).toBe('0.00');
    // A digit past the scale is a real difference, not rounded away.
    expect(fromOds(kind, '12.501')).toBe('12.501');
  });

  it('keeps unsigned BIGINT exact above 2^53', () => {
    const kind = columnKind('BIGINT UNSIGNED', 'bigint');
    expect(fromSource(kind, '18446744073709551615')).toBe('18446744073709551615');
    expect(fromOds(kind, '18446744073709551615')).toBe('18446744073709551615');
  });

  it('brings DATETIME(n) and TIMESTAMP to microseconds', () => {
    const kind = columnKind('TIMESTAMP', 'datetime');
    expect(fromSource(kind, '2024-01-02 03:04:05.123')).toBe('2024-01-02 03:04:05.123000');
    expect(fromOds(kind, '2024-01-02 03:04:05.123000')).toBe('2024-01-02 03:04:05.123000');
    expect(fromSource(kind, '2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05.000000');
  });

  it('compares JSON as documents, whether ODS holds a VARIANT or text', () => {
    const variant = columnKind('VARIANT', 'longtext');
    expect(fromSource(variant, '{"b": 1, "a": [1, "x"]}')).toBe('{"a":[1,"x"],"b":1}');
    expect(fromOds(variant, '[{"a":[1,"x"],"b":1}]')).toBe('{"a":[1,"x"],"b":1}');
    // A top-level JSON string stays a string, and JSON null is not SQL NULL.
    expect(fromOds(variant, '["x"]')).toBe('"x"');
    expect(fromOds(variant, '[null]')).toBe('null');
    const text = columnKind('VARCHAR', 'json');
    expect(fromOds(text, '[1, 2]')).toBe('[1,2]');
  });

  it('reads BINARY as lower-case hex and BIT(1) as a flag', () => {
    const bytes = columnKind('BINARY', 'blob');
    expect(fromSource(bytes, Buffer.from([0, 255]))).toBe('00ff');
    expect(fromOds(bytes, '00FF')).toBe('00ff');
    const flag = columnKind('BOOLEAN', 'bit');
    expect(fromSource(flag, Buffer.from([1]))).toBe('1');
    expect(fromOds(flag, 'false')).toBe('0');
  });

  it('compares FLOAT as the float32 DMS widened to DOUBLE', () => {
    const kind = columnKind('DOUBLE', 'float');
    expect(fromSource(kind, 0.1)).toBe(fromOds(kind, '0.10000000149011612'));
    const double = columnKind('DOUBLE', 'double');
    expect(fromSource(double, 0.1)).not.toBe(fromOds(double, '0.10000000149011612'));
  });

  it('keeps NULL distinct from every text, the empty one included', () => {
    const kind = columnKind('VARCHAR', 'varchar');
    expect(fromSource(kind, null)).toBeNull();
    expect(fromOds(kind, '')).toBe('');
  });
});
