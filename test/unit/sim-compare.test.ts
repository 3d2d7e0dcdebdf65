import { describe, expect, it } from 'vitest';
import {
  canonicalFromDatabend,
  defineTable,
  diffRows,
  keyOf,
  parseMysqlType,
  readTruthFile,
  truthFromDocument,
  truthToDocument,
  writeTruthFile,
  type Row,
  type TableTruth,
} from '../../sim/index.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const t = (type: string, text: string | null) => canonicalFromDatabend(parseMysqlType(type), text);

describe('canonical forms of values read from Databend', () => {
  it('normalises integers, flags and DECIMAL scale', () => {
    expect(t('bigint unsigned', '18446744073709551615')).toBe('18446744073709551615');
    expect(t('int', '+007')).toBe('7');
    expect(t('tinyint(1)', 'true')).toBe('1');
    expect(t('bit(1)', 'false')).toBe('0');
    expect(t('decimal(10,2)', '1.5')).toBe('1.50');
    expect(t('decimal(10,2)', '-0.00')).toBe('0.00');
    expect(t('decimal(10,2)', '1.505')).toBe('1.505');
    expect(t('decimal(65,30)', '12.000000000000000000000000000000000')).toBe(
      '12.000000000000000000000000000000',
    );
  });

  it('normalises timestamps to six fraction digits and JSON to sorted keys', () => {
    expect(t('datetime', '2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05.000000');
    expect(t('timestamp(6)', '2024-01-02T03:04:05.123456Z')).toBe('2024-01-02 03:04:05.123456');
    expect(t('date', '2024-01-02')).toBe('2024-01-02');
    expect(t('json', '{"b": [1, 2.50], "a": null}')).toBe('{"a":null,"b":[1,2.5]}');
    expect(t('json', 'not json')).toBe('not json');
    expect(t('blob', 'ABCDEF')).toBe('abcdef');
    expect(t('double', '0.0000001')).toBe('1e-7');
    expect(t('varchar(3)', null)).toBeNull();
  });
});

describe('the ODS diff', () => {
  const table = defineTable({
    schema: 'shop',
    name: 'orders',
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'amount', type: 'decimal(12,2)' },
      { name: 'at', type: 'datetime(6)' },
      { name: 'doc', type: 'json' },
      { name: 'w', type: 'double' },
    ],
    primaryKey: ['id'],
  });
  const rows: Row[] = [
    { id: '1', amount: '1.50', at: '2024-01-01 00:00:00.123456', doc: '{"a":1}', w: '0.1' },
    { id: '2', amount: null, at: null, doc: null, w: null },
  ];
  const truth: TableTruth = { table, rows: new Map(rows.map((r) => [keyOf(table, r), r])) };

  it('finds nothing when the target holds the same values in its own spelling', () => {
    const diff = diffRows(truth, [
      { id: '1', amount: '1.5', at: '2024-01-01 00:00:00.123456', doc: '{ "a": 1 }', w: '0.10' },
      { id: '2', amount: null, at: null, doc: null, w: null },
    ]);
    expect(diff.equal).toBe(true);
    expect(diff.report).toBe('');
  });

  it('reports missing, extra and differing rows readably', () => {
    const diff = diffRows(truth, [
      { id: '1', amount: '1.51', at: '2024-01-01 00:00:00.123000', doc: '{"a":1}', w: '0.1' },
      { id: '3', amount: null, at: null, doc: null, w: null },
    ]);
    expect(diff.equal).toBe(false);
    expect(diff.missing).toEqual(['["2"]']);
    expect(diff.extra).toEqual(['["3"]']);
    expect(diff.mismatches.map((m) => m.column)).toEqual(['amount', 'at']);
    expect(diff.report).toContain('key ["1"] column amount: expected "1.50", got "1.51"');
    expect(diff.report).toContain('missing key ["2"]');
  });

  it('expects timestamps cut to milliseconds when DMS wrote milliseconds', () => {
    const diff = diffRows(
      truth,
      [
        { id: '1', amount: '1.50', at: '2024-01-01 00:00:00.123', doc: '{"a":1}', w: '0.1' },
        { id: '2', amount: null, at: null, doc: null, w: null },
      ],
      { timestampUnit: 'millis' },
    );
    expect(diff.equal).toBe(true);
  });

  it('round-trips the truth through a file', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'sim-truth-')), 'truth.json');
    const all = new Map([['shop.orders', truth]]);
    await writeTruthFile(file, all, 'millis');
    const back = await readTruthFile(file);
    expect(back.timestampUnit).toBe('millis');
    expect([...(back.truth.get('shop.orders')?.rows ?? [])]).toEqual([...truth.rows]);
    expect(truthFromDocument(truthToDocument(all, 'micros')).get('shop.orders')?.table).toEqual(
      table,
    );
  });
});
