import { describe, expect, it } from 'vitest';
import {
  beforeImageColumnNames,
  beforeImageColumnsIn,
  keyChangeTombstonesSql,
} from '../../src/merge/before-image.js';
import { mergeIntoOdsSql } from '../../src/merge/merge-sql.js';

const base = {
  rawDatabase: 'raw',
  rawTable: 'orders',
  odsDatabase: 'ods',
  odsTable: 'orders',
  columns: ['a', 'b', 'note'],
  primaryKey: ['a', 'b'],
  opColumn: 'Op',
  batchId: 'b1',
};

describe('before-image columns', () => {
  it('names one column per key column with the prefix', () => {
    expect(beforeImageColumnNames(['id', 'Line No'], 'BI_')).toEqual(['BI_id', 'BI_Line No']);
  });

  it('are found only when a file has one for every key column', () => {
    expect(beforeImageColumnsIn(['a', 'b'], 'BI_', ['a', 'b', 'BI_a', 'BI_b'])).toEqual([
      'BI_a',
      'BI_b',
    ]);
    expect(beforeImageColumnsIn(['a', 'b'], 'BI_', ['a', 'b', 'BI_a'])).toBeUndefined();
    expect(beforeImageColumnsIn(['a'], '', ['a'])).toBeUndefined();
    expect(beforeImageColumnsIn([], 'BI_', ['BI_'])).toBeUndefined();
  });
});

describe('the tombstones of key-changing updates', () => {
  it('select the old key (before image, else the unchanged value), NULL elsewhere, D and the update _seq', () => {
    const sql = keyChangeTombstonesSql({
      rawTable: '`raw`.`orders`',
      rawFilter: "`_batch` = 'b1'",
      columns: ['a', 'b', 'note'],
      primaryKey: ['a', 'b'],
      beforeImage: ['BI_a', 'BI_b'],
      opColumn: 'Op',
    });
    expect(sql).toBe(
      'SELECT COALESCE(`BI_a`, `a`) AS `a`, COALESCE(`BI_b`, `b`) AS `b`, NULL AS `note`, ' +
        "'D' AS `Op`, `_seq` FROM `raw`.`orders` WHERE (`_batch` = 'b1') AND `Op` = 'U' " +
        'AND ((`BI_a` IS NOT NULL AND `BI_a` <> `a`) OR (`BI_b` IS NOT NULL AND `BI_b` <> `b`))',
    );
  });

  it('quote awkward names', () => {
    const sql = keyChangeTombstonesSql({
      rawTable: '`raw`.`t`',
      rawFilter: 'true',
      columns: ['my `key`'],
      primaryKey: ['my `key`'],
      beforeImage: ['BI_my `key`'],
      opColumn: 'Op',
    });
    expect(sql).toContain('COALESCE("BI_my `key`", "my `key`") AS "my `key`"');
  });

  it('refuse a before-image list that does not match the key', () => {
    expect(() =>
      keyChangeTombstonesSql({
        rawTable: 't',
        rawFilter: 'true',
        columns: ['a'],
        primaryKey: ['a', 'b'],
        beforeImage: ['BI_a'],
        opColumn: 'Op',
      }),
    ).toThrow(/one before-image column per primary-key column/);
  });
});

describe('the ODS MERGE', () => {
  it('is unchanged without before images', () => {
    expect(mergeIntoOdsSql(base)).toMatch(
      /^MERGE INTO `ods`\.`orders` AS t USING \(SELECT `a`, `b`, `note`, `Op`, `_seq` FROM `raw`\.`orders` WHERE `_batch` = 'b1' QUALIFY /,
    );
    expect(mergeIntoOdsSql(base)).not.toContain('UNION');
  });

  it('picks the newest change per key over the changes and the old-key tombstones together', () => {
    const sql = mergeIntoOdsSql({ ...base, beforeImageColumns: ['BI_a', 'BI_b'] });
    expect(sql).toContain(
      "USING (SELECT * FROM (SELECT `a`, `b`, `note`, `Op`, `_seq` FROM `raw`.`orders` WHERE `_batch` = 'b1' UNION ALL SELECT COALESCE(`BI_a`, `a`) AS `a`",
    );
    expect(sql).toContain(
      ') QUALIFY ROW_NUMBER() OVER (PARTITION BY `a`, `b` ORDER BY `_seq` DESC) = 1) AS s ON',
    );
  });
});
