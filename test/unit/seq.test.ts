import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseKey } from '../../src/files/key-layout.js';
import {
  fileRank,
  SEQ_LENGTH,
  seqSqlExpression,
  seqValue,
  type SeqInputs,
} from '../../src/merge/seq.js';

function rankOf(key: string): string {
  const parsed = parseKey(key, { bucketFolder: '' });
  if (!parsed.ok) throw new Error(parsed.reason);
  return fileRank(parsed.file);
}

const LOAD1 = rankOf('shop/orders/LOAD00000001.parquet');
const LOAD2 = rankOf('shop/orders/LOAD00000002.parquet');
const CDC_EARLY = rankOf('shop/orders/20240612-103125108.parquet');
const CDC_LATE = rankOf('shop/orders/20240612-103125109.parquet');

function seq(overrides: Partial<SeqInputs>): string {
  return seqValue({
    timestamp: '2024-06-12 10:31:25.000000',
    sourceSeq: null,
    fileRank: CDC_EARLY,
    rowNumber: 0,
    ...overrides,
  });
}

describe('_seq ordering, one tie-break step at a time', () => {
  it('step 1: a later second wins even over a full-load row with a larger fraction', () => {
    const load = seq({ timestamp: '2024-06-12 10:31:25.999999', fileRank: LOAD1 });
    const cdc = seq({ timestamp: '2024-06-12 10:31:26', fileRank: CDC_EARLY });
    expect(load < cdc).toBe(true);
  });

  it('step 2: within one second a CDC change sorts after a full-load row with a later fraction', () => {
    // MySQL commit times have whole seconds; the full-load row's transfer time has microseconds.
    const load = seq({ timestamp: '2024-06-12 10:31:25.900000', fileRank: LOAD2, rowNumber: 9 });
    const cdc = seq({ timestamp: '2024-06-12 10:31:25', fileRank: CDC_EARLY, rowNumber: 0 });
    expect(load < cdc).toBe(true);
  });

  it('step 3: with the same second and kind, the full timestamp decides', () => {
    const earlier = seq({
      timestamp: '2024-06-12 10:31:25.100000',
      sourceSeq: '9',
      fileRank: LOAD2,
    });
    const later = seq({ timestamp: '2024-06-12 10:31:25.200000', sourceSeq: '1', fileRank: LOAD1 });
    expect(earlier < later).toBe(true);
  });

  it('step 4: with equal timestamps, the source sequence decides by number, not by text', () => {
    const nine = seq({ sourceSeq: '9', fileRank: CDC_LATE, rowNumber: 5 });
    const ten = seq({ sourceSeq: '10', fileRank: CDC_EARLY, rowNumber: 0 });
    expect(nine < ten).toBe(true);
    const realLow = seq({ sourceSeq: '20240528202148290000000000000000133' });
    const realHigh = seq({ sourceSeq: '20240528202148290000000000000000134' });
    expect(realLow < realHigh).toBe(true);
  });

  it('step 5: with equal timestamps and sequences, the later file wins regardless of row', () => {
    expect(
      seq({ fileRank: CDC_EARLY, rowNumber: 7 }) < seq({ fileRank: CDC_LATE, rowNumber: 0 }),
    ).toBe(true);
    expect(seq({ fileRank: LOAD1, rowNumber: 7 }) < seq({ fileRank: LOAD2, rowNumber: 0 })).toBe(
      true,
    );
  });

  it('step 6: within one file and equal earlier fields, the later row wins', () => {
    expect(seq({ rowNumber: 9 }) < seq({ rowNumber: 10 })).toBe(true);
  });

  it('without a timestamp column the order starts at the file kind', () => {
    const load = seqValue({ fileRank: LOAD2, rowNumber: 99 });
    const cdc = seqValue({ fileRank: CDC_EARLY, rowNumber: 0 });
    expect(load < cdc).toBe(true);
    expect(load.startsWith('00000000000000-0-000000-')).toBe(true);
  });
});

describe('seqValue', () => {
  it('lays out seconds, kind, microseconds, sequence, file rank and row at fixed widths', () => {
    const value = seqValue({
      timestamp: '2024-06-12 10:31:25.123456',
      sourceSeq: '20240528202148290000000000000000133',
      fileRank: LOAD1,
      rowNumber: 42,
    });
    expect(value).toBe(
      '20240612103125-0-123456-0000020240528202148290000000000000000133-' + `${LOAD1}-0000000042`,
    );
    expect(value).toHaveLength(SEQ_LENGTH);
  });

  it('pads a short fraction and cuts nanoseconds to microseconds', () => {
    expect(seq({ timestamp: '2024-06-12 10:31:25.5' }).slice(0, 23)).toBe(
      '20240612103125-1-500000',
    );
    expect(seq({ timestamp: '2024-06-12 10:31:25.123456789' }).slice(0, 23)).toBe(
      '20240612103125-1-123456',
    );
    expect(seq({ timestamp: '2024-06-12T10:31:25' }).slice(0, 23)).toBe('20240612103125-1-000000');
  });

  it('treats a NULL or malformed timestamp as zeros, sorting before readable ones', () => {
    for (const timestamp of [
      null,
      undefined,
      '',
      'garbage',
      '2024-06-12',
      '2024-06-12 10:31:25.',
    ]) {
      const value = seq({ timestamp });
      expect(value.slice(0, 23)).toBe('00000000000000-1-000000');
      expect(value).toHaveLength(SEQ_LENGTH);
      expect(value < seq({ timestamp: '1970-01-01 00:00:00' })).toBe(true);
    }
  });

  it('treats a NULL, non-digit or over-long source sequence as zeros', () => {
    for (const sourceSeq of [null, 'abc', '1.5', '-1', '1'.repeat(41)]) {
      expect(seq({ sourceSeq }).slice(24, 64)).toBe('0'.repeat(40));
    }
  });

  it('rejects a rank that fileRank did not make and a row number that does not fit', () => {
    expect(() => seq({ fileRank: 'x' })).toThrow(/not a file rank/);
    expect(() => seq({ rowNumber: -1 })).toThrow(/row number/);
    expect(() => seq({ rowNumber: 1e10 })).toThrow(/row number/);
  });

  it('always has the same length, so string order is field order', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string()),
        fc.option(fc.stringMatching(/^[0-9]{1,40}$/)),
        fc.integer({ min: 0, max: 9_999_999_999 }),
        (timestamp, sourceSeq, rowNumber) => {
          expect(seqValue({ timestamp, sourceSeq, fileRank: CDC_LATE, rowNumber })).toHaveLength(
            SEQ_LENGTH,
          );
        },
      ),
    );
  });
});

describe('fileRank', () => {
  it('puts every full-load file before every CDC file', () => {
    expect(
      rankOf('shop/orders/LOAD0000FFFF.parquet') < rankOf('shop/orders/20000101-000000000.parquet'),
    ).toBe(true);
  });

  it('orders LOAD counters numerically across hex digits', () => {
    expect(
      rankOf('shop/orders/LOAD00000009.parquet') < rankOf('shop/orders/LOAD0000000A.parquet'),
    ).toBe(true);
    expect(
      rankOf('shop/orders/LOAD0000000F.parquet') < rankOf('shop/orders/LOAD00000010.parquet'),
    ).toBe(true);
  });

  it('ranks a lower-case hex counter like its upper-case spelling', () => {
    expect(rankOf('shop/orders/LOAD0000000a.parquet')).toBe(
      rankOf('shop/orders/LOAD0000000A.parquet'),
    );
  });

  it('orders segments numerically, then counters within a segment', () => {
    expect(
      rankOf('shop/orders/SEGMENT2_LOAD00000009.parquet') <
        rankOf('shop/orders/SEGMENT10_LOAD00000001.parquet'),
    ).toBe(true);
    expect(
      rankOf('shop/orders/SEGMENT2_LOAD00000001.parquet') <
        rankOf('shop/orders/SEGMENT2_LOAD00000002.parquet'),
    ).toBe(true);
  });

  it('gives different partitions different ranks and orders counters within a partition', () => {
    const a1 = rankOf('shop/orders/pa/LOAD00000001.parquet');
    const b1 = rankOf('shop/orders/pb/LOAD00000001.parquet');
    expect(a1).not.toBe(b1);
    expect(a1 < rankOf('shop/orders/pa/LOAD00000002.parquet')).toBe(true);
  });

  it('orders 9- and 10-digit CDC names by their time', () => {
    expect(
      rankOf('shop/orders/20240612-103125108.parquet') <
        rankOf('shop/orders/20240612-1031251081.parquet'),
    ).toBe(true);
    expect(
      rankOf('shop/orders/20240612-1031251079.parquet') <
        rankOf('shop/orders/20240612-103125108.parquet'),
    ).toBe(true);
    expect(
      rankOf('shop/orders/20240612-235959999.parquet') <
        rankOf('shop/orders/20240613-000000000.parquet'),
    ).toBe(true);
  });

  it('orders CDC files by name whatever date folder holds them', () => {
    expect(
      rankOf('shop/orders/2024/06/13/20240612-235959999.parquet') <
        rankOf('shop/orders/20240613-000000000.parquet'),
    ).toBe(true);
  });

  it('is 31 characters of digits and upper-case hex', () => {
    for (const rank of [
      LOAD1,
      CDC_EARLY,
      rankOf('shop/orders/p/SEGMENT3_LOAD00000001.parquet'),
      rankOf('shop/orders/2024/06/12/20240612-103125108.parquet'),
    ]) {
      expect(rank).toMatch(/^[01][0-9A-F]{30}$/);
    }
  });
});

describe('seqSqlExpression', () => {
  const ranks = new Map([
    ['shop/orders/LOAD00000001.parquet', LOAD1],
    ["shop/it's/20240612-103125108.parquet", CDC_EARLY],
  ]);

  it('reads quoted columns and picks the rank by metadata$filename with quoted literals', () => {
    const sql = seqSqlExpression({
      timestampColumn: 'DMS TS',
      sourceSeqColumn: 'AR_H_CHANGE_SEQ',
      fileRankByFilename: ranks,
    });
    expect(sql).toContain('CAST(`DMS TS` AS STRING)');
    expect(sql).toContain('CAST(`AR_H_CHANGE_SEQ` AS STRING)');
    expect(sql).toContain(`WHEN 'shop/orders/LOAD00000001.parquet' THEN '${LOAD1}'`);
    expect(sql).toContain(`WHEN 'shop/it''s/20240612-103125108.parquet' THEN '1'`);
    expect(sql).toContain('metadata$file_row_number');
  });

  it('uses constant zeros for the fields of absent columns', () => {
    const sql = seqSqlExpression({ fileRankByFilename: ranks });
    expect(sql).not.toContain('CAST(`');
    expect(sql.startsWith("concat('00000000000000', '-', CASE metadata$filename")).toBe(true);
    expect(sql).toContain(`'${'0'.repeat(40)}'`);
  });

  it('refuses an empty file map and a malformed rank', () => {
    expect(() => seqSqlExpression({ fileRankByFilename: new Map() })).toThrow(/at least one file/);
    expect(() => seqSqlExpression({ fileRankByFilename: new Map([['f', 'nope']]) })).toThrow(
      /not a file rank/,
    );
  });
});
