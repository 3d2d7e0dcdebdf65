/**
 * The SQL of a repair: the re-read source rows as synthetic change rows in raw, ordered like
 * full-load rows, then the normal MERGE of that batch into ODS, and a lineage record.
 *
 * A synthetic row's `_seq` is built like a full-load row's (src/merge/seq.ts): the DMS
 * timestamp is the source clock taken just before the rows were read, and the file kind is
 * full load. So a CDC change committed after the read (in the same second or later) sorts after
 * the repair and still wins, an in-flight change older than the read loses only to a value that
 * already includes it, and the ODS guard (`_seq` newer) applies as for any change. The file rank
 * uses segment 999999, which no DMS full load reaches, so repair rows are recognisable in `_seq`
 * (ods-reader.ts leaves them out of the commit watermark).
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { mergeIntoOdsSql } from '../merge/merge-sql.js';
import { fileRank, seqValue } from '../merge/seq.js';
import { databendLiteral } from './key-predicates.js';
import { columnKind, type ColumnKind } from './normalise.js';
import { REPAIR_SEGMENT } from './ods-reader.js';

export const REPAIRS_TABLE = 'reconcile_repairs';

export function createRepairsTableSql(controlDatabase: string): string {
  const columns = [
    ['table_name', 'VARCHAR'],
    ['batch_id', 'VARCHAR'],
    ['source', 'VARCHAR'],
    ['read_at', 'VARCHAR'],
    ['keys_upserted', 'BIGINT'],
    ['keys_tombstoned', 'BIGINT'],
    ['repaired_at', 'TIMESTAMP'],
  ];
  return (
    `CREATE TABLE IF NOT EXISTS ${qualified(controlDatabase, REPAIRS_TABLE)} ` +
    `(${columns.map(([n, t]) => `${quoteIdent(n as string)} ${t as string}`).join(', ')})`
  );
}

/** The file rank of a repair run read at `readAt`: a full-load rank in segment 999999. */
export function repairFileRank(readAt: string): string {
  const seconds = Math.floor(Date.parse(`${readAt.replace(' ', 'T')}Z`) / 1000);
  return fileRank({
    kind: 'load',
    segment: Number(REPAIR_SEGMENT),
    loadCounter: seconds % 0x1_0000_0000,
  });
}

/** One synthetic change: the source row now (I), or a tombstone for a key it lacks (D). */
export interface RepairChange {
  readonly op: 'I' | 'D';
  /** Canonical values of the compared columns (keys first); NULLs except keys for D. */
  readonly values: readonly (string | null)[];
}

export interface RepairSqlInput {
  readonly rawDatabase: string;
  readonly odsDatabase: string;
  readonly controlDatabase: string;
  /** The Databend table name (raw and ODS). */
  readonly target: string;
  readonly sourceName: string;
  /** Redacted source URL, for lineage. */
  readonly source: string;
  readonly primaryKey: readonly string[];
  /** Compared columns with their raw Databend types and source DATA_TYPE. */
  readonly columns: readonly {
    readonly name: string;
    readonly rawType: string;
    readonly sourceDataType: string;
  }[];
  readonly opColumn: string;
  /** The DMS timestamp column, when raw has one: it gets the read time. */
  readonly timestampColumn: { readonly name: string; readonly rawType: string } | undefined;
  readonly batchId: string;
  readonly readAt: string;
  readonly changes: readonly RepairChange[];
}

export interface RepairStatements {
  readonly insertRaw: string;
  readonly merge: string;
  readonly lineage: string;
}

export function repairStatements(input: RepairSqlInput): RepairStatements {
  const kinds: ColumnKind[] = input.columns.map((c) => columnKind(c.rawType, c.sourceDataType));
  const rank = repairFileRank(input.readAt);
  const file = `reconcile:${input.source}#${input.sourceName}@${input.readAt}`;
  const targets = [
    ...input.columns.map((c) => c.name),
    input.opColumn,
    ...(input.timestampColumn === undefined ? [] : [input.timestampColumn.name]),
    '_file',
    '_row',
    '_seq',
    '_batch',
    '_loaded_at',
  ].map(quoteIdent);
  const timestampLiteral =
    input.timestampColumn === undefined
      ? []
      : [databendLiteral(columnKind(input.timestampColumn.rawType, 'varchar'), input.readAt)];
  const rows = input.changes.map((change, row) => {
    const values = input.columns.map((_, i) => {
      const value = change.values[i] ?? null;
      const kind = kinds[i];
      return value === null || kind === undefined ? 'NULL' : databendLiteral(kind, value);
    });
    const seq = seqValue({ timestamp: input.readAt, fileRank: rank, rowNumber: row });
    return `(${[
      ...values,
      quoteString(change.op),
      ...timestampLiteral,
      quoteString(file),
      String(row),
      quoteString(seq),
      quoteString(input.batchId),
      'now()',
    ].join(', ')})`;
  });
  const upserted = input.changes.filter((c) => c.op === 'I').length;
  return {
    insertRaw:
      `INSERT INTO ${qualified(input.rawDatabase, input.target)} (${targets.join(', ')}) ` +
      `VALUES ${rows.join(', ')}`,
    merge: mergeIntoOdsSql({
      rawDatabase: input.rawDatabase,
      rawTable: input.target,
      odsDatabase: input.odsDatabase,
      odsTable: input.target,
      columns: input.columns.map((c) => c.name),
      primaryKey: input.primaryKey,
      opColumn: input.opColumn,
      batchId: input.batchId,
    }),
    lineage:
      `INSERT INTO ${qualified(input.controlDatabase, REPAIRS_TABLE)} ` +
      `(${['table_name', 'batch_id', 'source', 'read_at', 'keys_upserted', 'keys_tombstoned', 'repaired_at'].map(quoteIdent).join(', ')}) ` +
      `VALUES (${[
        quoteString(input.target),
        quoteString(input.batchId),
        quoteString(`${input.source}#${input.sourceName}`),
        quoteString(input.readAt),
        String(upserted),
        String(input.changes.length - upserted),
        'now()',
      ].join(', ')})`,
  };
}
