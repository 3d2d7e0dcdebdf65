// How far back a ledger look-up reads: from the oldest CDC file's name time less a day; the
// whole ledger when a full-load file (whose name carries no time) is among the keys.
import { describe, expect, it } from 'vitest';
import { parseKey, type DmsFileKey } from '../../src/files/key-layout.js';
import {
  cdcCreatedAt,
  earliestLoadTime,
  LEDGER_WINDOW_MARGIN_MS,
} from '../../src/files/ledger-window.js';
import { loadedFilesSql } from '../../src/control/ledger-sql.js';

function key(text: string): DmsFileKey {
  const parsed = parseKey(text, { bucketFolder: '' });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.file;
}

describe('the ledger look-up window', () => {
  it('reads a CDC file name as its UTC creation time, 9 or 10 digits', () => {
    expect(cdcCreatedAt(key('shop/orders/20240612-103125108.parquet'))).toEqual(
      new Date('2024-06-12T10:31:25.108Z'),
    );
    expect(cdcCreatedAt(key('shop/orders/20141029-1134010000.parquet'))).toEqual(
      new Date('2014-10-29T11:34:01.000Z'),
    );
    expect(cdcCreatedAt(key('shop/orders/LOAD00000001.parquet'))).toBeUndefined();
  });

  it('starts a day before the oldest file of the batch', () => {
    const earliest = earliestLoadTime([
      key('shop/orders/20240612-103125108.parquet'),
      key('shop/orders/20240611-000000000.parquet'),
      key('shop/orders/2024/06/13/20240613-000000000.parquet'),
    ]);
    expect(LEDGER_WINDOW_MARGIN_MS).toBe(86_400_000);
    expect(earliest).toEqual(new Date('2024-06-10T00:00:00.000Z'));
  });

  it('has no bound when a full-load file or a key outside the layout is asked about', () => {
    expect(
      earliestLoadTime([
        key('shop/orders/20240612-103125108.parquet'),
        key('shop/orders/LOAD00000001.parquet'),
      ]),
    ).toBeUndefined();
    expect(earliestLoadTime([key('shop/orders/20240612-103125108.parquet'), undefined])).toBe(
      undefined,
    );
    expect(earliestLoadTime([])).toBeUndefined();
  });

  it('puts the bound on loaded_at, and compares a single key with =', () => {
    const one = loadedFilesSql(
      'ctl',
      'b',
      ['shop/orders/20240612-103125108.parquet'],
      new Date('2024-06-11T10:31:25.108Z'),
    );
    expect(one).toBe(
      "SELECT `object_key` AS object_key, `etag` AS etag FROM `ctl`.`files` WHERE `bucket` = 'b' " +
        "AND `object_key` = 'shop/orders/20240612-103125108.parquet' " +
        "AND `loaded_at` >= '2024-06-11 10:31:25.108'::TIMESTAMP",
    );
    const many = loadedFilesSql('ctl', 'b', ["a'1", 'a2']);
    expect(many).toBe(
      "SELECT `object_key` AS object_key, `etag` AS etag FROM `ctl`.`files` WHERE `bucket` = 'b' " +
        "AND `object_key` IN ('a''1', 'a2')",
    );
  });
});
