import { describe, expect, it } from 'vitest';
import { formatDatabendType, parseDatabendType } from '../../src/schema/databend-type.js';
import { diffSchema, widestOf, type TableColumn } from '../../src/schema/schema-diff.js';

function cols(spec: Record<string, string>): TableColumn[] {
  return Object.entries(spec).map(([name, sql]) => ({ name, type: parseDatabendType(sql) }));
}

function diff(table: Record<string, string>, file: Record<string, string>, reserved?: string[]) {
  return diffSchema({
    table: 'raw.orders',
    file: 'sales/orders/20240101-000000000.parquet',
    tableColumns: cols(table),
    fileColumns: cols(file),
    ...(reserved === undefined ? {} : { reservedColumns: reserved }),
  });
}

/** The widenings of a diff as "name: FROM -> TO". */
function widenings(result: ReturnType<typeof diff>): string[] {
  return result.kind === 'change'
    ? result.widen.map(
        (w) => `${w.name}: ${formatDatabendType(w.from)} -> ${formatDatabendType(w.to)}`,
      )
    : [];
}

describe('diffSchema', () => {
  it('has nothing to do when the file matches the table', () => {
    expect(diff({ id: 'INT', name: 'VARCHAR' }, { id: 'INT', name: 'VARCHAR' })).toEqual({
      kind: 'none',
    });
  });

  it('has nothing to do when a column is missing from the file', () => {
    expect(diff({ id: 'INT', gone: 'VARCHAR' }, { id: 'INT' })).toEqual({ kind: 'none' });
  });

  it('has nothing to do when the file brings a narrower type than the table has', () => {
    expect(
      diff(
        { a: 'BIGINT', d: 'DECIMAL(20, 4)', f: 'DOUBLE', u: 'BIGINT' },
        { a: 'INT', d: 'DECIMAL(10, 2)', f: 'FLOAT', u: 'INT UNSIGNED' },
      ),
    ).toEqual({ kind: 'none' });
  });

  it('adds new columns in file order', () => {
    const result = diff({ id: 'INT' }, { id: 'INT', b: 'VARCHAR', a: 'DECIMAL(10, 2)' });
    expect(result).toEqual({
      kind: 'change',
      add: cols({ b: 'VARCHAR', a: 'DECIMAL(10, 2)' }),
      widen: [],
    });
  });

  it('widens INT to BIGINT, FLOAT to DOUBLE and DECIMAL(10,2) to DECIMAL(20,4)', () => {
    const result = diff(
      { id: 'INT', qty: 'INT', ratio: 'FLOAT', price: 'DECIMAL(10, 2)' },
      { id: 'INT', qty: 'BIGINT', ratio: 'DOUBLE', price: 'DECIMAL(20, 4)' },
    );
    expect(widenings(result)).toEqual([
      'qty: INT -> BIGINT',
      'ratio: FLOAT -> DOUBLE',
      'price: DECIMAL(10, 2) -> DECIMAL(20, 4)',
    ]);
  });

  it('widens a DECIMAL to hold both the old integer digits and the new scale', () => {
    expect(widenings(diff({ d: 'DECIMAL(10, 4)' }, { d: 'DECIMAL(12, 2)' }))).toEqual([
      'd: DECIMAL(10, 4) -> DECIMAL(14, 4)',
    ]);
  });

  it('widens unsigned integers within unsigned and into wider signed types', () => {
    expect(widenings(diff({ u: 'TINYINT UNSIGNED' }, { u: 'INT UNSIGNED' }))).toEqual([
      'u: TINYINT UNSIGNED -> INT UNSIGNED',
    ]);
    expect(widenings(diff({ i: 'INT' }, { i: 'INT UNSIGNED' }))).toEqual(['i: INT -> BIGINT']);
    expect(widenings(diff({ u: 'SMALLINT UNSIGNED' }, { u: 'TINYINT' }))).toEqual([
      'u: SMALLINT UNSIGNED -> INT',
    ]);
  });

  it('adds and widens in one change', () => {
    const result = diff({ qty: 'INT' }, { qty: 'BIGINT', note: 'VARCHAR' });
    expect(result.kind === 'change' && result.add.map((c) => c.name)).toEqual(['note']);
    expect(widenings(result)).toEqual(['qty: INT -> BIGINT']);
  });

  it('treats VARCHAR lengths as the same unbounded string', () => {
    expect(diff({ s: 'VARCHAR' }, { s: 'VARCHAR(255)' })).toEqual({ kind: 'none' });
  });

  it.each([
    ['VARCHAR', 'INT'],
    ['INT', 'VARCHAR'],
    ['BIGINT UNSIGNED', 'BIGINT'],
    ['INT', 'DOUBLE'],
    ['DATE', 'TIMESTAMP'],
    ['VARCHAR', 'VARIANT'],
    ['DECIMAL(76, 0)', 'DECIMAL(76, 10)'],
  ])('refuses a %s column that a file brings as %s', (tableType, fileType) => {
    const result = diff({ id: 'INT', c: tableType }, { id: 'INT', c: fileType });
    expect(result).toMatchObject({
      kind: 'incompatible',
      table: 'raw.orders',
      file: 'sales/orders/20240101-000000000.parquet',
      conflicts: [
        {
          column: 'c',
          reason: 'type',
          tableType,
          fileType: formatDatabendType(parseDatabendType(fileType)),
        },
      ],
    });
    expect(result.kind === 'incompatible' && result.message).toContain('raw.orders');
    expect(result.kind === 'incompatible' && result.message).toContain(
      '20240101-000000000.parquet',
    );
  });

  it('refuses a column that differs from an existing one only in case', () => {
    const result = diff({ id: 'INT', Name: 'VARCHAR' }, { id: 'INT', name: 'VARCHAR' });
    expect(result).toMatchObject({
      kind: 'incompatible',
      conflicts: [{ column: 'name', reason: 'case' }],
    });
    expect(result.kind === 'incompatible' && result.message).toContain(
      'differs only in case from existing column "Name"',
    );
  });

  it('accepts columns that differ only in case when the table has both', () => {
    expect(diff({ Id: 'INT', id: 'INT' }, { Id: 'INT', id: 'INT' })).toEqual({ kind: 'none' });
  });

  it('adds two new columns that differ only in case, as Databend keeps quoted names apart', () => {
    const result = diff({ x: 'INT' }, { a: 'INT', A: 'INT' });
    expect(result.kind === 'change' && result.add.map((c) => c.name)).toEqual(['a', 'A']);
  });

  it('refuses a file column that collides with a reserved column, whatever its case', () => {
    const result = diff({ id: 'INT', _seq: 'VARCHAR' }, { id: 'INT', _SEQ: 'INT' }, ['_seq']);
    expect(result).toMatchObject({
      kind: 'incompatible',
      conflicts: [{ column: '_SEQ', reason: 'reserved' }],
    });
  });

  it('refuses a file that names a column twice', () => {
    const twice = diffSchema({
      table: 't',
      file: 'f',
      tableColumns: cols({ id: 'INT' }),
      fileColumns: [...cols({ x: 'INT' }), ...cols({ x: 'INT' })],
    });
    expect(twice).toMatchObject({
      kind: 'incompatible',
      conflicts: [{ column: 'x', reason: 'duplicate' }],
    });
  });

  it('reports columns the type map refused, with the table type when it has one', () => {
    const result = diffSchema({
      table: 't',
      file: 'f',
      tableColumns: cols({ at: 'VARCHAR' }),
      fileColumns: [],
      unsupported: [
        { name: 'at', reason: 'Parquet TIME cannot be read by Databend (INT64 TIME(MICROS))' },
      ],
    });
    expect(result).toMatchObject({
      kind: 'incompatible',
      conflicts: [{ column: 'at', reason: 'unsupported', tableType: 'VARCHAR' }],
    });
  });

  it('names every conflict in one message', () => {
    const result = diff({ a: 'INT', b: 'DATE' }, { a: 'VARCHAR', b: 'BOOLEAN' });
    expect(result.kind === 'incompatible' && result.message).toBe(
      'table raw.orders cannot load sales/orders/20240101-000000000.parquet: ' +
        'column "a" is INT in the table but VARCHAR in the file; ' +
        'column "b" is DATE in the table but BOOLEAN in the file',
    );
  });
});

describe('widestOf', () => {
  it('is symmetric', () => {
    const types = [
      'TINYINT',
      'INT UNSIGNED',
      'BIGINT',
      'FLOAT',
      'DOUBLE',
      'DECIMAL(10, 2)',
      'DECIMAL(8, 6)',
      'VARCHAR',
    ];
    for (const a of types) {
      for (const b of types) {
        const ab = widestOf(parseDatabendType(a), parseDatabendType(b));
        const ba = widestOf(parseDatabendType(b), parseDatabendType(a));
        expect([a, b, ab && formatDatabendType(ab)]).toEqual([a, b, ba && formatDatabendType(ba)]);
      }
    }
  });

  it('has no safe join for BIGINT UNSIGNED and any signed integer', () => {
    expect(
      widestOf(parseDatabendType('BIGINT UNSIGNED'), parseDatabendType('TINYINT')),
    ).toBeUndefined();
  });
});
