/**
 * MERGE one batch's raw rows into ODS. The source keeps the newest change per key (greatest
 * `_seq`); a change applies only when its `_seq` is greater than the row's, so duplicated,
 * late or reordered deliveries converge. A delete of an unknown key inserts a tombstone, which
 * keeps a late, older insert from resurrecting the row. With before-image key columns, an update
 * that changes the key also deletes the old key (before-image.ts), in the same statement.
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { numeric, optionalText, text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';
import { keyChangeTombstonesSql } from './before-image.js';
import {
  keyRangeCondition,
  keyRangeSummaryColumns,
  type MergeKeyRange,
} from './merge-key-range.js';

export interface MergeIntoOdsInput {
  readonly rawDatabase: string;
  readonly rawTable: string;
  readonly odsDatabase: string;
  readonly odsTable: string;
  /** ODS business columns (every one exists in raw too). */
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  readonly opColumn: string;
  readonly batchId: string;
  /**
   * The raw columns holding each key column's before image, in key order, when raw has them:
   * key-changing updates then tombstone their old key. Undefined without before images.
   */
  readonly beforeImageColumns?: readonly string[] | undefined;
  /** The batch's range of the first key column (merge-key-range.ts): ODS blocks outside it are skipped. */
  readonly keyRange?: MergeKeyRange | undefined;
  /**
   * The control database whose `reloads` table holds the table's applied snapshots: changes
   * older than the newest one's boundary are left out (see snapshotFloorCondition).
   */
  readonly snapshotsIn?: string | undefined;
}

/**
 * A change older than an applied snapshot's boundary is superseded by it: a key the snapshot
 * holds has a newer row, and a key it lacks did not exist when the reload read past it, so it
 * was deleted (the snapshot tombstoned the keys ODS held; this keeps out the ones that arrive
 * later, e.g. a CDC file of the old generation still queued when the reload was applied).
 */
export function snapshotFloorCondition(controlDatabase: string, table: string): string {
  // coalesce inside the sub-query: around it, Databend plans the sub-query twice (EXPLAIN: two
  // scans of reloads per MERGE).
  return (
    `${quoteIdent('_seq')} >= (SELECT coalesce(max(${quoteIdent('boundary_seq')}), '') ` +
    `FROM ${qualified(controlDatabase, 'reloads')} WHERE ${quoteIdent('table_name')} = ${quoteString(table)} ` +
    `AND ${quoteIdent('applied_at')} IS NOT NULL)`
  );
}

export function mergeIntoOdsSql(input: MergeIntoOdsInput): string {
  return mergeSql(input, `${quoteIdent('_batch')} = ${quoteString(input.batchId)}`);
}

export interface MergeRawRangeInput extends Omit<MergeIntoOdsInput, 'batchId'> {
  /** Raw rows whose `_batch` lies in this inclusive range. */
  readonly batches: { readonly from: string; readonly to: string };
}

/**
 * The same MERGE over many batches of raw at once (rebuilding ODS from raw). Because a change
 * applies only when its `_seq` is newer, ranges may be merged in any order, and again: the
 * result is the newest change per key over everything merged.
 */
export function mergeRawRangeIntoOdsSql(input: MergeRawRangeInput): string {
  const batch = quoteIdent('_batch');
  return mergeSql(
    input,
    `${batch} >= ${quoteString(input.batches.from)} AND ${batch} <= ${quoteString(input.batches.to)}`,
  );
}

function mergeSql(input: Omit<MergeIntoOdsInput, 'batchId'>, rowFilter: string): string {
  if (input.primaryKey.length === 0) throw new Error(`ODS ${input.odsTable} needs a primary key`);
  const rawFilter =
    input.snapshotsIn === undefined
      ? rowFilter
      : `${rowFilter} AND ${snapshotFloorCondition(input.snapshotsIn, input.odsTable)}`;
  const col = (name: string): string => quoteIdent(name);
  const op = `s.${col(input.opColumn)}`;
  const raw = qualified(input.rawDatabase, input.rawTable);
  const changes =
    `SELECT ${[...input.columns, input.opColumn, '_seq'].map(col).join(', ')} ` +
    `FROM ${raw} WHERE ${rawFilter}`;
  // Deletes of old keys join the changes before the newest change per key is picked, so a
  // key-changing update and later changes of its old key are ordered by `_seq` like any other.
  const all =
    input.beforeImageColumns === undefined
      ? changes
      : `SELECT * FROM (${changes} UNION ALL ${keyChangeTombstonesSql({
          rawTable: raw,
          rawFilter,
          columns: input.columns,
          primaryKey: input.primaryKey,
          beforeImage: input.beforeImageColumns,
          opColumn: input.opColumn,
        })})`;
  const source = `${all} QUALIFY ROW_NUMBER() OVER (PARTITION BY ${input.primaryKey.map(col).join(', ')} ORDER BY ${col('_seq')} DESC) = 1`;
  const on = [
    ...input.primaryKey.map((k) => `t.${col(k)} = s.${col(k)}`),
    ...(input.keyRange === undefined ? [] : [keyRangeCondition(input.keyRange)]),
  ].join(' AND ');
  const newer = `s.${col('_seq')} > t.${col('_seq')}`;
  const updates = input.columns
    .filter((c) => !input.primaryKey.includes(c))
    .map((c) => `${col(c)} = s.${col(c)}`);
  const state = (deleted: string): string[] => [
    `${col('is_deleted')} = ${deleted}`,
    `${col('_seq')} = s.${col('_seq')}`,
    `${col('_updated_at')} = now()`,
  ];
  const insertColumns = [...input.columns, 'is_deleted', '_seq', '_updated_at'].map(col);
  const insertValues = [
    ...input.columns.map((c) => `s.${col(c)}`),
    `${op} = 'D'`,
    `s.${col('_seq')}`,
    'now()',
  ];
  return (
    `MERGE INTO ${qualified(input.odsDatabase, input.odsTable)} AS t USING (${source}) AS s ON ${on} ` +
    `WHEN MATCHED AND ${newer} AND ${op} = 'D' THEN UPDATE SET ${state('true').join(', ')} ` +
    `WHEN MATCHED AND ${newer} THEN UPDATE SET ${[...updates, ...state('false')].join(', ')} ` +
    `WHEN NOT MATCHED THEN INSERT (${insertColumns.join(', ')}) VALUES (${insertValues.join(', ')})`
  );
}

/**
 * Per file and Op, the rows a batch put in raw (and the newest DMS timestamp): the Op tally for
 * metrics, and the check that every Op is I, U or D.
 */
export function batchSummarySql(
  input: Pick<MergeIntoOdsInput, 'rawDatabase' | 'rawTable' | 'opColumn' | 'batchId'> & {
    timestampColumn: string | undefined;
    /** The ODS key: rows with a NULL in any of its columns are counted as `nullkeys`. */
    primaryKey: readonly string[] | undefined;
    /** Also report the batch's range of this column (keymin, keymax, keytype). */
    keyRangeColumn?: string | undefined;
  },
): string {
  const newest =
    input.timestampColumn === undefined ? 'NULL' : `max(${quoteIdent(input.timestampColumn)})`;
  const nullKeys =
    input.primaryKey === undefined || input.primaryKey.length === 0
      ? `'0'`
      : `sum(CASE WHEN ${input.primaryKey.map((k) => `${quoteIdent(k)} IS NULL`).join(' OR ')} THEN 1 ELSE 0 END)::STRING`;
  // A NULL `_seq` would never update nor be updated in ODS. NOT NULL columns refuse it already;
  // raw tables created before they were NOT NULL do not, hence the count.
  const nullSeqs = `sum(CASE WHEN ${quoteIdent('_seq')} IS NULL THEN 1 ELSE 0 END)::STRING`;
  return (
    `SELECT ${quoteIdent('_file')} AS file, ${quoteIdent(input.opColumn)} AS op, count(*)::STRING AS n, ${nullKeys} AS nullkeys, ${nullSeqs} AS nullseqs, ${newest} AS newest` +
    `${input.keyRangeColumn === undefined ? '' : `, ${keyRangeSummaryColumns(input.keyRangeColumn)}`} ` +
    `FROM ${qualified(input.rawDatabase, input.rawTable)} WHERE ${quoteIdent('_batch')} = ${quoteString(input.batchId)} ` +
    `GROUP BY ${quoteIdent('_file')}, ${quoteIdent(input.opColumn)}`
  );
}

/** A row of batchSummarySql. */
export interface BatchSummaryRow {
  readonly file: string;
  /** The Op column's value: I, U or D in a valid file. */
  readonly op: string | undefined;
  readonly rows: number;
  readonly nullKeys: number;
  readonly nullSeqs: number;
  /** The newest DMS timestamp, as Databend's text. */
  readonly newest: string | undefined;
}

export function batchSummaryFromRow(row: Row): BatchSummaryRow {
  return {
    file: text(row, 'file'),
    op: optionalText(row, 'op'),
    rows: numeric(row, 'n'),
    nullKeys: numeric(row, 'nullkeys'),
    nullSeqs: numeric(row, 'nullseqs'),
    newest: optionalText(row, 'newest'),
  };
}
