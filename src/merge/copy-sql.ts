/**
 * COPY INTO the raw table for a group of files that share one column set. The transformation
 * stamps every row with its lineage: the file (metadata$filename, the full key because the stage
 * URL is the bucket root), its row number, `_seq`, the batch id and the load time.
 */
import { qualified, quoteIdent, quoteString, stageName } from '../databend/quote.js';
import { numeric, text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';
import { seqSqlExpression } from './seq.js';

export interface CopyColumn {
  readonly name: string;
  /** The SELECT expression that loads the column from the file's quoted column reference. */
  readonly loadExpression: (ref: string) => string;
}

export interface CopyIntoRawInput {
  readonly rawDatabase: string;
  readonly rawTable: string;
  readonly stage: string;
  readonly batchId: string;
  /** Every file of the group has exactly these business columns (Op excluded). */
  readonly columns: readonly CopyColumn[];
  readonly opColumn: string;
  /** Whether the files carry the Op column; full-load files without it load as `I`. */
  readonly filesHaveOp: boolean;
  /** The DMS timestamp and source sequence columns, when the files carry them. */
  readonly timestampColumn: string | undefined;
  readonly sourceSeqColumn: string | undefined;
  /** Object key → fileRank(). */
  readonly files: ReadonlyMap<string, string>;
}

export function copyIntoRawSql(input: CopyIntoRawInput): string {
  const targets = [
    ...input.columns.map((c) => quoteIdent(c.name)),
    quoteIdent(input.opColumn),
    ...['_file', '_row', '_seq', '_batch', '_loaded_at'].map(quoteIdent),
  ];
  const seq = seqSqlExpression({
    timestampColumn: input.timestampColumn,
    sourceSeqColumn: input.sourceSeqColumn,
    fileRankByFilename: input.files,
  });
  const sources = [
    ...input.columns.map((c) => c.loadExpression(quoteIdent(c.name))),
    input.filesHaveOp ? quoteIdent(input.opColumn) : quoteString('I'),
    'metadata$filename',
    'metadata$file_row_number',
    seq,
    quoteString(input.batchId),
    'now()',
  ];
  const files = [...input.files.keys()].map(quoteString).join(', ');
  return (
    `COPY INTO ${qualified(input.rawDatabase, input.rawTable)} (${targets.join(', ')}) ` +
    `FROM (SELECT ${sources.join(', ')} FROM @${stageName(input.stage)}) ` +
    `FILES = (${files}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE`
  );
}

/** COPY's answer, a row per file: the file and the rows loaded from it. */
export function copiedRows(rows: readonly Row[]): [file: string, rows: number][] {
  return rows.map((row) => [text(row, 'File'), numeric(row, 'Rows_loaded')]);
}
