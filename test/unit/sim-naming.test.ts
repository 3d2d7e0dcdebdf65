import { describe, expect, it } from 'vitest';
import {
  catalogTables,
  cdcFileName,
  compareDmsFileNames,
  datePartitionFolder,
  fileKindOf,
  loadFileName,
  objectKey,
  parseInstant,
  resolveDmsSettings,
  simulate,
} from '../../sim/index.js';

const at = parseInstant('2024-06-12T10:31:25.108Z') + 437;

describe('DMS file names', () => {
  it('counts full-load files in 8 upper-case hex digits from 1', () => {
    expect(loadFileName(1)).toBe('LOAD00000001.parquet');
    expect(loadFileName(10)).toBe('LOAD0000000A.parquet');
    expect(loadFileName(16)).toBe('LOAD00000010.parquet');
    expect(() => loadFileName(0)).toThrow();
  });

  it('names CDC files by UTC creation time with 9 digits after the dash', () => {
    expect(cdcFileName(at)).toBe('20240612-103125108.parquet');
    expect(fileKindOf(cdcFileName(at))).toBe('cdc');
    expect(fileKindOf('LOAD0000000A.parquet')).toBe('load');
    expect(fileKindOf('notes.txt')).toBeNull();
  });

  it('builds date folders from the sequence and delimiter', () => {
    expect(datePartitionFolder(at, 'YYYYMMDD', 'SLASH')).toBe('2024/06/12');
    expect(datePartitionFolder(at, 'YYYYMMDD', 'DASH')).toBe('2024-06-12');
    expect(datePartitionFolder(at, 'YYYYMMDDHH', 'UNDERSCORE')).toBe('2024_06_12_10');
    expect(datePartitionFolder(at, 'YYYYMM', 'NONE')).toBe('202406');
    expect(datePartitionFolder(at, 'MMYYYYDD', 'SLASH')).toBe('06/2024/12');
    expect(datePartitionFolder(at, 'DDMMYYYY', 'SLASH')).toBe('12/06/2024');
  });

  it('puts CDC files, never full-load files, into date folders under the bucket folder', () => {
    const s = resolveDmsSettings({ bucketFolder: 'dms/raw', datePartitionEnabled: true });
    const table = { schema: 'shop', name: 'orders' };
    expect(objectKey(s, table, 'LOAD00000001.parquet', at, 'load')).toBe(
      'dms/raw/shop/orders/LOAD00000001.parquet',
    );
    expect(objectKey(s, table, cdcFileName(at), at, 'cdc')).toBe(
      'dms/raw/shop/orders/2024/06/12/20240612-103125108.parquet',
    );
    expect(objectKey(resolveDmsSettings(), table, 'x.parquet', at, 'cdc')).toBe(
      'shop/orders/x.parquet',
    );
  });

  it('sorts full-load files before CDC files although "2" sorts before "L"', () => {
    const names = [
      '20240612-103125108.parquet',
      'LOAD00000002.parquet',
      'LOAD0000000A.parquet',
      'LOAD00000001.parquet',
      '20240612-093125108.parquet',
    ];
    expect([...names].sort()).not.toEqual([...names].sort(compareDmsFileNames));
    expect([...names].sort(compareDmsFileNames)).toEqual([
      'LOAD00000001.parquet',
      'LOAD00000002.parquet',
      'LOAD0000000A.parquet',
      '20240612-093125108.parquet',
      '20240612-103125108.parquet',
    ]);
  });

  it("names every table's files so that name order is the order DMS wrote them in", () => {
    const sim = simulate(
      {
        seed: 11,
        tables: catalogTables('shop', 3),
        initialRows: 40,
        durationSeconds: 40,
        transactionsPerSecond: 15,
      },
      { cdcMaxBatchInterval: 3, loadMaxRowsPerFile: 7, datePartitionEnabled: true },
    );
    for (const table of ['shop.customers', 'shop.orders', 'shop.order_items']) {
      const files = sim.files.filter((f) => f.table === table && f.version === 1);
      const byCreation = files.map((f) => f.name);
      expect(byCreation.length).toBeGreaterThan(8);
      expect([...byCreation].sort(compareDmsFileNames)).toEqual(byCreation);
      expect(new Set(byCreation).size).toBe(byCreation.length);
      // Every CDC file is created after the last LOAD file of its table.
      const lastLoad = Math.max(...files.filter((f) => f.kind === 'load').map((f) => f.createdAt));
      expect(files.filter((f) => f.kind === 'cdc').every((f) => f.createdAt > lastLoad)).toBe(true);
    }
  });
});
