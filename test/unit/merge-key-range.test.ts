// The MERGE's key range: bounds from the Op summary become literals only where the text form is
// exact, and the ON clause gains a condition on the target alone.
import { describe, expect, it } from 'vitest';
import { keyRangeCondition, keyRangeFromSummary } from '../../src/merge/merge-key-range.js';
import { batchSummarySql, mergeIntoOdsSql } from '../../src/merge/merge-sql.js';

const row = (keytype: string, keymin: string | null, keymax: string | null) => ({
  file: 'f',
  op: 'I',
  keytype,
  keymin,
  keymax,
});

describe('the MERGE key range', () => {
  it('takes integers, strings and decimals as literals', () => {
    expect(keyRangeFromSummary(row('BIGINT NULL', '-5', '20000000'))).toEqual({
      lower: '-5',
      upper: '20000000',
    });
    expect(keyRangeFromSummary(row('INT UNSIGNED', '1', '9'))).toEqual({ lower: '1', upper: '9' });
    expect(keyRangeFromSummary(row('VARCHAR NULL', "a'b", 'z'))).toEqual({
      lower: "'a''b'",
      upper: "'z'",
    });
    expect(keyRangeFromSummary(row('DECIMAL(12, 2) NULL', '-1.50', '3.00'))).toEqual({
      lower: "CAST('-1.50' AS DECIMAL(12, 2))",
      upper: "CAST('3.00' AS DECIMAL(12, 2))",
    });
  });

  it('has no range for types whose text may not be exact, or without values', () => {
    expect(keyRangeFromSummary(row('DOUBLE NULL', '0.1', '0.2'))).toBeUndefined();
    expect(
      keyRangeFromSummary(
        row('TIMESTAMP NULL', '2024-01-01 00:00:00.000000', '2024-01-02 00:00:00.000000'),
      ),
    ).toBeUndefined();
    expect(keyRangeFromSummary(row('BIGINT NULL', null, null))).toBeUndefined();
    expect(keyRangeFromSummary(row('BIGINT NULL', '1e5', '2'))).toBeUndefined();
    expect(keyRangeFromSummary(undefined)).toBeUndefined();
  });

  it('adds the range to the ON clause on the target only, and to the summary', () => {
    const range = { column: 'id', lower: '3', upper: '9' };
    expect(keyRangeCondition(range)).toBe('t.`id` >= 3 AND t.`id` <= 9');
    const merge = mergeIntoOdsSql({
      rawDatabase: 'raw',
      rawTable: 'orders',
      odsDatabase: 'ods',
      odsTable: 'orders',
      columns: ['id', 'name'],
      primaryKey: ['id'],
      opColumn: 'Op',
      batchId: 'b1',
      keyRange: range,
    });
    expect(merge).toContain(' ON t.`id` = s.`id` AND t.`id` >= 3 AND t.`id` <= 9 WHEN MATCHED');
    const summary = batchSummarySql({
      rawDatabase: 'raw',
      rawTable: 'orders',
      opColumn: 'Op',
      batchId: 'b1',
      timestampColumn: undefined,
      primaryKey: ['id'],
      keyRangeColumn: 'id',
    });
    expect(summary).toContain(
      '(min(min(`id`)) OVER ())::STRING AS keymin, (max(max(`id`)) OVER ())::STRING AS keymax, typeof(min(`id`)) AS keytype FROM',
    );
  });
});
