import { describe, expect, it } from 'vitest';
import { databendRange, mysqlAfter } from '../../src/reconcile/key-predicates.js';
import { bisectDifferences, digestOf, rowHash } from '../../src/reconcile/row-digest.js';
import { repairFileRank, repairStatements } from '../../src/reconcile/repair-sql.js';
import { seqValue, fileRank } from '../../src/merge/seq.js';

function side(rows: Record<string, (string | null)[]>): Map<string, Buffer> {
  return new Map(Object.entries(rows).map(([k, v]) => [k, rowHash(k, v)]));
}

describe('reconcile checksums', () => {
  it('does not depend on the order rows arrive in', () => {
    const a = side({ '["1"]': ['x'], '["2"]': ['y'] });
    expect(digestOf(['["1"]', '["2"]'], a)).toEqual(digestOf(['["2"]', '["1"]'], a));
  });

  it('tells NULL from the text "" and value boundaries apart', () => {
    expect(rowHash('k', [null])).not.toEqual(rowHash('k', ['']));
    expect(rowHash('k', ['a', 'bc'])).not.toEqual(rowHash('k', ['ab', 'c']));
  });

  it('bisects a chunk down to exactly the differing keys', () => {
    const source: Record<string, (string | null)[]> = {};
    for (let i = 0; i < 1000; i++) source[JSON.stringify([String(i)])] = [`v${i}`];
    const ods = { ...source };
    ods['["17"]'] = ['changed'];
    delete ods['["500"]'];
    ods['["5000"]'] = ['ghost'];
    const { keys, comparisons } = bisectDifferences(side(source), side(ods));
    expect(keys.sort()).toEqual(['["17"]', '["500"]', '["5000"]'].sort());
    // Three leaves in a tree over 1001 keys: far fewer comparisons than keys.
    expect(comparisons).toBeLessThan(70);
  });
});

describe('reconcile key ranges', () => {
  it('spells a composite key range lexicographically on both sides', () => {
    expect(mysqlAfter(['a', 'b']).sql).toBe('(`a` > ?) OR (`a` = ? AND `b` > ?)');
    const key = [
      { name: 'a', kind: { kind: 'integer', scale: 0, variant: false } },
      { name: 'b', kind: { kind: 'text', scale: 0, variant: false } },
    ] as const;
    expect(databendRange(key, ['1', 'x'], ['2', "o'k"])).toBe(
      "((`a` > 1) OR (`a` = 1 AND `b` > 'x')) AND ((`a` < 2) OR (`a` = 2 AND `b` < 'o''k') OR (`a` = 2 AND `b` = 'o''k'))",
    );
    expect(databendRange(key, undefined, undefined)).toBe('true');
  });

  it('rejects a key value that is not the integer its column holds', () => {
    const key = [{ name: 'a', kind: { kind: 'integer', scale: 0, variant: false } }] as const;
    expect(() => databendRange(key, ['1 OR 1=1'], undefined)).toThrow(/not an integer/);
  });
});

describe('repair ordering', () => {
  const readAt = '2026-12-07 01:00:00.500000';
  const repairSeq = seqValue({ timestamp: readAt, fileRank: repairFileRank(readAt), rowNumber: 0 });
  const cdc = (timestamp: string): string =>
    seqValue({
      timestamp,
      fileRank: fileRank({ kind: 'cdc', cdcTimestamp: '202612070100010000' }),
      rowNumber: 0,
    });

  it('orders a synthetic change like a full-load row read at the source time', () => {
    // A change committed in an earlier second loses to the repair, which already includes it.
    expect(cdc('2026-12-07 00:59:59.000000') < repairSeq).toBe(true);
    // A change committed in the same second or later still wins.
    expect(cdc('2026-12-07 01:00:00.000000') > repairSeq).toBe(true);
    expect(cdc('2026-12-07 01:00:01.000000') > repairSeq).toBe(true);
  });

  it('writes raw rows with lineage, then the normal MERGE of that batch', () => {
    const statements = repairStatements({
      rawDatabase: 'raw',
      odsDatabase: 'ods',
      controlDatabase: 'ctl',
      target: 'customers',
      sourceName: 'shop.customers',
      source: 'mysql://reconcile:***@db:3306/',
      primaryKey: ['id'],
      columns: [
        { name: 'id', rawType: 'INT', sourceDataType: 'int' },
        { name: 'name', rawType: 'VARCHAR', sourceDataType: 'varchar' },
      ],
      opColumn: 'Op',
      timestampColumn: { name: '_dms_ingestion_timestamp', rawType: 'VARCHAR' },
      batchId: 'b1',
      readAt,
      changes: [
        { op: 'I', values: ['1', "o'k"] },
        { op: 'D', values: ['2', null] },
      ],
    });
    expect(statements.insertRaw).toContain(
      "(1, 'o''k', 'I', '2026-12-07 01:00:00.500000', 'reconcile:mysql://reconcile:***@db:3306/#shop.customers@2026-12-07 01:00:00.500000', 0, ",
    );
    expect(statements.insertRaw).toContain("(2, NULL, 'D', ");
    expect(statements.merge).toMatch(/^MERGE INTO `ods`\.`customers` .* WHERE `_batch` = 'b1'/);
    expect(statements.lineage).toContain("'customers', 'b1'");
  });
});
