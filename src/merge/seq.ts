import { createHash } from 'node:crypto';

import { quoteIdent, quoteString } from '../databend/quote.js';

/**
 * `_seq`: one fixed-width string whose lexicographic order is the order of a table's changes
 * (DESIGN.md, contract item 2). Six fields, dash-separated, every field fixed-width, so string
 * order is field-by-field order:
 *
 *   SSSSSSSSSSSSSS-K-FFFFFF-QQQQ…(40)-RRRR…(31)-NNNNNNNNNN
 *   1 seconds      2 3      4          5          6
 *
 * 1. the DMS timestamp cut to whole seconds, as YYYYMMDDHHMMSS;
 * 2. the file kind: 0 full load, 1 CDC (so within one second CDC sorts after full load);
 * 3. the timestamp's sub-second part, microseconds (with 1, the full timestamp);
 * 4. the source sequence column (DMS AR_H_CHANGE_SEQ, 35 digits) left-padded to 40 digits;
 * 5. the file rank (fileRank below);
 * 6. the 0-based row number in the file, left-padded to 10 digits.
 *
 * Absent inputs are constant zeros, so every `_seq` of a table has the same layout whatever the
 * configuration was when it was written: no timestamp column → fields 1 and 3 are zeros (order
 * starts at step 2); no sequence column → field 4 is zeros.
 *
 * A NULL or malformed timestamp (not `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}]`) is treated like a missing
 * one: zeros, so such a row sorts before every row with a readable timestamp and never overrides
 * one; among themselves such rows are still ordered by kind, sequence, file and row. A NULL or
 * non-digit (or longer than 40 digits) sequence value is zeros likewise. Timestamps are handled as
 * text, never converted, so no time zone or DST rule can shift them.
 */

export const SEQ_LENGTH = 14 + 1 + 1 + 1 + 6 + 1 + 40 + 1 + 31 + 1 + 10;

const SOURCE_SEQ_WIDTH = 40;
const ROW_WIDTH = 10;
const RANK_WIDTH = 31;
const RANK_SHAPE = /^[01][0-9A-F]{30}$/;
const TIMESTAMP_SHAPE =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?$/;
const SOURCE_SEQ_SHAPE = /^[0-9]{1,40}$/;

/** What fileRank needs from a parsed key (files/key-layout's DmsFileKey fits). */
export type RankableFile =
  | {
      kind: 'load';
      segment?: number | undefined;
      partition?: string | undefined;
      loadCounter: number;
    }
  | { kind: 'cdc'; cdcTimestamp: string; dateFolder?: string | undefined };

/**
 * A 31-character rank ordering the files of one table (step 5): full-load files first, then CDC.
 *
 * - Full load: `0` + segment (6 digits, 0 without SEGMENTn_) + partition (16 hex of the SHA-256
 *   of the partition folder name, zeros without one) + LOAD counter (8 upper-case hex digits).
 *   Partition names are unbounded, so they are hashed to stay fixed-width: partitions come in an
 *   arbitrary but fixed order, which is harmless because different partitions of one full load
 *   hold different source rows.
 * - CDC: `1` + the name's timestamp (YYYYMMDDHHMMSS + 4 fraction digits; 9-digit names are
 *   padded so they sort with 10-digit ones) + 12 hex of the SHA-256 of the date folder (zeros
 *   without one), which only makes the rank unique.
 */
export function fileRank(file: RankableFile): string {
  if (file.kind === 'load') {
    const segment = file.segment ?? 0;
    if (!Number.isSafeInteger(segment) || segment < 0 || segment > 999_999) {
      throw new RangeError(`segment ${segment} does not fit the file rank (0..999999)`);
    }
    if (
      !Number.isSafeInteger(file.loadCounter) ||
      file.loadCounter < 0 ||
      file.loadCounter > 0xffff_ffff
    ) {
      throw new RangeError(`LOAD counter ${file.loadCounter} does not fit 8 hex digits`);
    }
    return (
      '0' +
      String(segment).padStart(6, '0') +
      hashPart(file.partition, 16) +
      file.loadCounter.toString(16).toUpperCase().padStart(8, '0')
    );
  }
  if (!/^[0-9]{18}$/.test(file.cdcTimestamp)) {
    throw new RangeError(`CDC timestamp ${JSON.stringify(file.cdcTimestamp)} is not 18 digits`);
  }
  return '1' + file.cdcTimestamp + hashPart(file.dateFolder, 12);
}

function hashPart(text: string | undefined, width: number): string {
  if (text === undefined || text === '') {
    return '0'.repeat(width);
  }
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, width).toUpperCase();
}

export interface SeqInputs {
  /** The DMS timestamp column's text, or null/undefined when absent or NULL. */
  timestamp?: string | null | undefined;
  /** The source sequence column's text, or null/undefined when absent or NULL. */
  sourceSeq?: string | null | undefined;
  /** fileRank() of the row's file. */
  fileRank: string;
  /** 0-based row position in the file (metadata$file_row_number). */
  rowNumber: number;
}

/** `_seq` computed in TypeScript; seqSqlExpression computes the same value inside a COPY. */
export function seqValue(inputs: SeqInputs): string {
  assertRank(inputs.fileRank);
  if (
    !Number.isSafeInteger(inputs.rowNumber) ||
    inputs.rowNumber < 0 ||
    inputs.rowNumber >= 10 ** ROW_WIDTH
  ) {
    throw new RangeError(`row number ${inputs.rowNumber} does not fit ${ROW_WIDTH} digits`);
  }
  const ts = inputs.timestamp;
  const digits = ts != null && TIMESTAMP_SHAPE.test(ts) ? ts.replace(/[^0-9]/g, '') : '';
  const seconds = digits === '' ? '0'.repeat(14) : digits.slice(0, 14);
  const micros = digits === '' ? '0'.repeat(6) : digits.slice(14).padEnd(6, '0').slice(0, 6);
  const seq = inputs.sourceSeq;
  const sourceSeq =
    seq != null && SOURCE_SEQ_SHAPE.test(seq)
      ? seq.padStart(SOURCE_SEQ_WIDTH, '0')
      : '0'.repeat(SOURCE_SEQ_WIDTH);
  const kind = inputs.fileRank.slice(0, 1);
  const row = String(inputs.rowNumber).padStart(ROW_WIDTH, '0');
  return [seconds, kind, micros, sourceSeq, inputs.fileRank, row].join('-');
}

export interface SeqSqlOptions {
  /** Parquet column with the DMS timestamp (TimestampColumnName), if the files carry one. */
  timestampColumn?: string | undefined;
  /** Parquet column with the source sequence (e.g. AR_H_CHANGE_SEQ), if the files carry one. */
  sourceSeqColumn?: string | undefined;
  /** metadata$filename (the path relative to the stage URL) → fileRank() of that file. */
  fileRankByFilename: ReadonlyMap<string, string>;
}

/**
 * A SQL expression computing `_seq` inside
 * `COPY INTO raw (…) FROM (SELECT …, <expr> FROM @stage/…) FILES = (…)`.
 *
 * Parquet columns are referenced by their exact (quoted) names, and every file of the COPY must
 * contain the referenced columns: a missing one fails the COPY with 1065 even with
 * MISSING_FIELD_AS = NULL. metadata$filename is the path relative to the stage's URL (not to the
 * sub-path after @stage), and must be a key of fileRankByFilename; a file missing from the map
 * makes `_seq` NULL, which a NOT NULL `_seq` column turns into a failed COPY (1006).
 */
export function seqSqlExpression(options: SeqSqlOptions): string {
  const { timestampColumn, sourceSeqColumn, fileRankByFilename } = options;
  if (fileRankByFilename.size === 0) {
    throw new Error('seqSqlExpression needs the rank of at least one file');
  }
  for (const rank of fileRankByFilename.values()) assertRank(rank);

  let seconds = quoteString('0'.repeat(14));
  let micros = quoteString('0'.repeat(6));
  if (timestampColumn !== undefined) {
    const text = `CAST(${quoteIdent(timestampColumn)} AS STRING)`;
    const valid = `regexp_like(${text}, ${quoteString(TIMESTAMP_SHAPE.source)})`;
    const digits = `regexp_replace(${text}, '[^0-9]', '')`;
    seconds = `CASE WHEN ${valid} THEN substr(${digits}, 1, 14) ELSE ${seconds} END`;
    // rpad both pads a short fraction and cuts nanoseconds to microseconds.
    micros = `CASE WHEN ${valid} THEN rpad(substr(${digits}, 15), 6, '0') ELSE ${micros} END`;
  }

  let sourceSeq = quoteString('0'.repeat(SOURCE_SEQ_WIDTH));
  if (sourceSeqColumn !== undefined) {
    const text = `CAST(${quoteIdent(sourceSeqColumn)} AS STRING)`;
    const valid = `regexp_like(${text}, ${quoteString(SOURCE_SEQ_SHAPE.source)})`;
    sourceSeq = `CASE WHEN ${valid} THEN lpad(${text}, ${SOURCE_SEQ_WIDTH}, '0') ELSE ${sourceSeq} END`;
  }

  const byFile = (pick: (rank: string) => string): string =>
    'CASE metadata$filename ' +
    [...fileRankByFilename]
      .map(([name, rank]) => `WHEN ${quoteString(name)} THEN ${quoteString(pick(rank))}`)
      .join(' ') +
    ' END';
  const kind = byFile((rank) => rank.slice(0, 1));
  const rank = byFile((r) => r);
  const row = `lpad(CAST(metadata$file_row_number AS STRING), ${ROW_WIDTH}, '0')`;

  return `concat(${[seconds, kind, micros, sourceSeq, rank, row].join(", '-', ")})`;
}

function assertRank(rank: string): void {
  if (rank.length !== RANK_WIDTH || !RANK_SHAPE.test(rank)) {
    throw new RangeError(`${JSON.stringify(rank)} is not a file rank (see fileRank)`);
  }
}
