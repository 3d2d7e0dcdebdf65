import { describe, expect, it } from 'vitest';

import {
  parseKey,
  type DatePartitionDelimiter,
  type DatePartitionSequence,
  type DmsFileKey,
  type KeyLayoutConfig,
} from '../../src/files/key-layout.js';

const root: KeyLayoutConfig = { bucketFolder: '' };
const dms: KeyLayoutConfig = { bucketFolder: 'dms' };

function parsed(key: string, config: KeyLayoutConfig = dms): DmsFileKey {
  const result = parseKey(key, config);
  if (!result.ok) throw new Error(result.reason);
  return result.file;
}

function reason(key: string, config: KeyLayoutConfig = dms): string {
  const result = parseKey(key, config);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.file)}`);
  return result.reason;
}

describe('parseKey for full-load files', () => {
  it('reads schema, table and the hex counter of a LOAD file', () => {
    expect(parsed('dms/shop/orders/LOAD0000000A.parquet')).toEqual({
      key: 'dms/shop/orders/LOAD0000000A.parquet',
      schema: 'shop',
      table: 'orders',
      fileName: 'LOAD0000000A.parquet',
      kind: 'load',
      loadCounter: 10,
    });
  });

  it('reads the segment of a parallel-load SEGMENTn_LOAD file', () => {
    expect(parsed('dms/shop/orders/SEGMENT12_LOAD00000003.parquet')).toMatchObject({
      kind: 'load',
      segment: 12,
      loadCounter: 3,
    });
  });

  it('reads the partition sub-folder of a partitioned parallel load', () => {
    expect(parsed('dms/shop/orders/p2024_q1/LOAD00000001.parquet')).toMatchObject({
      kind: 'load',
      table: 'orders',
      partition: 'p2024_q1',
      loadCounter: 1,
    });
  });

  it('rejects a LOAD file nested two folders below the table', () => {
    expect(reason('dms/shop/orders/a/b/LOAD00000001.parquet')).toMatch(
      /deeper than one partition folder/,
    );
  });

  it('rejects a LOAD name without exactly 8 hex digits', () => {
    expect(reason('dms/shop/orders/LOAD0001.parquet')).toMatch(/neither LOAD/);
    expect(reason('dms/shop/orders/LOAD0000000G.parquet')).toMatch(/neither LOAD/);
  });
});

describe('parseKey for CDC files', () => {
  it('reads a 9-digit CDC name in the table folder, padding its timestamp to 18 digits', () => {
    expect(parsed('dms/shop/orders/20240612-103125108.parquet')).toEqual({
      key: 'dms/shop/orders/20240612-103125108.parquet',
      schema: 'shop',
      table: 'orders',
      fileName: '20240612-103125108.parquet',
      kind: 'cdc',
      cdcTimestamp: '202406121031251080',
    });
  });

  it('reads the 10-digit CDC name of the AWS docs', () => {
    expect(parsed('dms/shop/orders/20141029-1134010000.parquet')).toMatchObject({
      kind: 'cdc',
      cdcTimestamp: '201410291134010000',
    });
  });

  it('rejects CDC names with 8 or 11 digits after the dash or an impossible time', () => {
    expect(reason('dms/shop/orders/20240612-10312510.parquet')).toMatch(/neither LOAD/);
    expect(reason('dms/shop/orders/20240612-10312510800.parquet')).toMatch(/neither LOAD/);
    expect(reason('dms/shop/orders/20241312-103125108.parquet')).toMatch(/not a valid timestamp/);
    expect(reason('dms/shop/orders/20240612-253125108.parquet')).toMatch(/not a valid timestamp/);
  });

  const dateFolders: [DatePartitionSequence, DatePartitionDelimiter, string][] = [
    ['YYYYMMDD', 'SLASH', '2024/06/12'],
    ['YYYYMMDD', 'DASH', '2024-06-12'],
    ['YYYYMMDD', 'UNDERSCORE', '2024_06_12'],
    ['YYYYMMDD', 'NONE', '20240612'],
    ['YYYYMMDDHH', 'SLASH', '2024/06/12/10'],
    ['YYYYMMDDHH', 'NONE', '2024061210'],
    ['YYYYMM', 'SLASH', '2024/06'],
    ['YYYYMM', 'DASH', '2024-06'],
    ['MMYYYYDD', 'SLASH', '06/2024/12'],
    ['MMYYYYDD', 'UNDERSCORE', '06_2024_12'],
    ['DDMMYYYY', 'SLASH', '12/06/2024'],
    ['DDMMYYYY', 'NONE', '12062024'],
  ];

  it.each(dateFolders)(
    'accepts %s with delimiter %s (%s) when configured',
    (sequence, delimiter, folder) => {
      const config: KeyLayoutConfig = {
        bucketFolder: 'dms',
        datePartition: { sequence, delimiter },
      };
      expect(parsed(`dms/shop/orders/${folder}/20240612-103125108.parquet`, config)).toMatchObject({
        kind: 'cdc',
        table: 'orders',
        dateFolder: folder,
      });
    },
  );

  it.each(dateFolders)(
    'detects %s with delimiter %s (%s) when not configured',
    (_s, _d, folder) => {
      expect(parsed(`dms/shop/orders/${folder}/20240612-103125108.parquet`)).toMatchObject({
        dateFolder: folder,
      });
    },
  );

  it('rejects a date folder of another shape than the configured one', () => {
    const config: KeyLayoutConfig = {
      bucketFolder: 'dms',
      datePartition: { sequence: 'YYYYMMDD', delimiter: 'SLASH' },
    };
    expect(reason('dms/shop/orders/2024-06-12/20240612-103125108.parquet', config)).toMatch(
      /not a date folder/,
    );
  });

  it('rejects a CDC file in a folder that is no date, such as a partition folder', () => {
    expect(reason('dms/shop/orders/p1/20240612-103125108.parquet')).toMatch(
      /"p1\/", which is not a date folder/,
    );
    expect(reason('dms/shop/orders/2024/13/12/20240612-103125108.parquet')).toMatch(
      /not a date folder/,
    );
  });
});

describe('parseKey and the bucket folder', () => {
  it('reads keys that start at the schema when the bucket folder is empty', () => {
    expect(parsed('shop/orders/LOAD00000001.parquet', root)).toMatchObject({
      schema: 'shop',
      table: 'orders',
    });
  });

  it('accepts a multi-level bucket folder written with stray slashes', () => {
    const config: KeyLayoutConfig = { bucketFolder: '/cdc/prod/' };
    expect(parsed('cdc/prod/shop/orders/LOAD00000001.parquet', config)).toMatchObject({
      schema: 'shop',
    });
  });

  it('rejects a key outside the bucket folder', () => {
    expect(reason('other/shop/orders/LOAD00000001.parquet')).toBe(
      'key is not under the bucket folder "dms/"',
    );
    expect(reason('dmsx/shop/orders/LOAD00000001.parquet')).toMatch(/not under the bucket folder/);
  });

  it('keeps schema and table names with spaces, dots and non-ASCII as they are', () => {
    expect(parsed('dms/my shop/Order.Items é/LOAD00000001.parquet')).toMatchObject({
      schema: 'my shop',
      table: 'Order.Items é',
    });
  });

  it('rejects keys too short for schema, table and file', () => {
    expect(reason('dms/orders/LOAD00000001.parquet')).toMatch(/fewer than three segments/);
    expect(reason('dms/LOAD00000001.parquet')).toMatch(/fewer than three segments/);
  });

  it('rejects empty path segments', () => {
    expect(reason('dms/shop//LOAD00000001.parquet')).toMatch(/empty path segment/);
    expect(reason('dms/shop/orders/')).toMatch(/empty path segment/);
  });

  it('rejects files that are not Parquet or not DMS-named', () => {
    expect(reason('dms/shop/orders/LOAD00000001.csv')).toMatch(/neither LOAD/);
    expect(reason('dms/shop/orders/notes.parquet')).toMatch(/neither LOAD/);
    expect(reason('dms/shop/orders/CDC_TXN-20201117153046033.csv')).toMatch(/neither LOAD/);
  });
});
