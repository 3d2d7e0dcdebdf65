import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isYearFirstFolder,
  schemaLevelPrefix,
  sweepStartAfter,
  tableFolderPrefix,
} from '../../src/ingest/sweep-cursor.js';
import type { KeyLayoutConfig } from '../../src/files/key-layout.js';

const layout = { bucketFolder: 'dms' };
const table = 'dms/shop/orders/';
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('where the sweep starts listing a table folder', () => {
  it('lists the whole folder of a table with no CDC file in the ledger', () => {
    expect(sweepStartAfter(table, undefined, layout)).toBeUndefined();
  });

  it('starts after the newest CDC key in the table folder itself', () => {
    const key = 'dms/shop/orders/20240612-103125108.parquet';
    expect(sweepStartAfter(table, key, layout)).toBe(key);
  });

  it('starts after the newest CDC key in year-first date folders', () => {
    for (const key of [
      'dms/shop/orders/2024/06/12/20240612-103125108.parquet',
      'dms/shop/orders/2024-06-12/20240612-103125108.parquet',
      'dms/shop/orders/2024061210/20240612-103125108.parquet',
      'dms/shop/orders/2024_06/20240612-103125108.parquet',
    ])
      expect(sweepStartAfter(table, key, layout)).toBe(key);
  });

  it('lists the whole folder when date folders do not sort by time (MMYYYYDD, DDMMYYYY)', () => {
    for (const key of [
      'dms/shop/orders/06/2024/12/20240612-103125108.parquet',
      'dms/shop/orders/12062024/20240612-103125108.parquet',
    ])
      expect(sweepStartAfter(table, key, layout)).toBeUndefined();
  });

  it('follows the configured date partition sequence when there is one', () => {
    const key = 'dms/shop/orders/2024/06/12/20240612-103125108.parquet';
    const yearFirst: KeyLayoutConfig = {
      ...layout,
      datePartition: { sequence: 'YYYYMMDD', delimiter: 'SLASH' },
    };
    const dayFirst: KeyLayoutConfig = {
      ...layout,
      datePartition: { sequence: 'DDMMYYYY', delimiter: 'NONE' },
    };
    expect(sweepStartAfter(table, key, yearFirst)).toBe(key);
    // 2012-12-20 as DDMMYYYY reads like a year-first folder; the configured sequence settles it.
    expect(isYearFirstFolder('20122012', '201212201031251080', dayFirst)).toBe(false);
    expect(isYearFirstFolder('20122012', '201212201031251080', layout)).toBe(true);
  });

  it('never starts after a full-load key, which would skip every CDC file', () => {
    expect(sweepStartAfter(table, 'dms/shop/orders/LOAD00000009.parquet', layout)).toBeUndefined();
  });

  it('ignores a key from another folder', () => {
    const key = 'dms/shop/order_items/20240612-103125108.parquet';
    expect(sweepStartAfter(table, key, layout)).toBeUndefined();
  });

  it('builds folder prefixes with and without a bucket folder', () => {
    expect(tableFolderPrefix('', 'shop', 'orders')).toBe('shop/orders/');
    expect(tableFolderPrefix('/a/b/', 'shop', 'orders')).toBe('a/b/shop/orders/');
    expect(schemaLevelPrefix('')).toBe('');
    expect(schemaLevelPrefix('a/b/')).toBe('a/b/');
  });
});

/** A CDC name for a time, 9 digits after the dash as DMS writes them. */
function cdcName(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 23).replace(/[:.]/g, '')}.parquet`;
}

const times = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) });
const folderShapes: readonly ((iso: string) => string)[] = [
  () => '',
  (iso) => `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`,
  (iso) => `${iso.slice(0, 10)}/`,
  (iso) => `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}/`,
  (iso) => `${iso.slice(0, 4)}_${iso.slice(5, 7)}/`,
];

describe('the start key never hides a file DMS writes later', () => {
  it('every later CDC file and every full-load file sorts after it', () => {
    fc.assert(
      fc.property(
        times,
        fc.integer({ min: 1, max: 400 * 86_400_000 }),
        fc.constantFrom(...folderShapes),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
        (t, later, shape, counter, segment) => {
          const key = (ms: number): string =>
            `${table}${shape(new Date(ms).toISOString())}${cdcName(ms)}`;
          const start = sweepStartAfter(table, key(t), layout);
          expect(start).toBe(key(t));
          expect(byteOrder(key(t + later), start ?? '')).toBeGreaterThan(0);
          const load = `${segment === undefined ? '' : `SEGMENT${segment}_`}LOAD${counter
            .toString(16)
            .toUpperCase()
            .padStart(8, '0')}.parquet`;
          expect(byteOrder(`${table}${load}`, start ?? '')).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('but switching date folders on under a running task does (backfill covers it)', () => {
    const root = `${table}20240612-235959000.parquet`;
    const inFolder = `${table}2024/06/13/20240613-000001000.parquet`;
    expect(byteOrder(inFolder, root)).toBeLessThan(0);
  });
});
