// The guide's design (shared reference: "A 1-Minute Latency CDC Pipeline from RDS MySQL to
// Databend Cloud"), as SQL for one table: its raw and ODS tables (§3.2, §3.3), its Task-1 COPY
// (§5.2) and its Task-2 MERGE (§5.3), kept as written except where open-source Databend or this
// benchmark needs otherwise, each said below:
// - Streams are not available here: the MERGE reads the raw rows loaded after a watermark on a
//   load-time column (`_loaded_at`, filled by its DEFAULT now()), which is what an APPEND_ONLY
//   stream yields between two consumptions. MISSING_FIELD_AS = FIELD_DEFAULT lets the guide's
//   plain COPY fill that column, which the files do not carry.
// - PATTERN '.*[.]parquet' is the guide's '.*\.parquet' without a backslash to escape.
// Everything else — PATTERN over the table's prefix relying on COPY's load history, PURGE = TRUE,
// ON_ERROR = CONTINUE, ROW_NUMBER() over the DMS timestamp, soft deletes, and
// WHEN NOT MATCHED AND op != 'D' — is the guide's.
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import { stageName } from '../../src/databend/quote.js';

export interface GuideTable {
  readonly rawDatabase: string;
  readonly odsDatabase: string;
  readonly table: string;
  /** Business columns with their Databend types, in file order. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly primaryKey: readonly string[];
  readonly opColumn: string;
  readonly timestampColumn: string;
  /** Set on a soft delete besides is_deleted, when the table has it (the guide's updated_at). */
  readonly deleteStamp: string | undefined;
}

export const LOADED_AT = '_loaded_at';

export function guideTablesSql(t: GuideTable): string[] {
  const business = t.columns.map((c) => `${quoteIdent(c.name)} ${c.type} NULL`);
  const ods = t.columns.map(
    (c) => `${quoteIdent(c.name)} ${c.type} ${t.primaryKey.includes(c.name) ? 'NOT NULL' : 'NULL'}`,
  );
  return [
    `CREATE DATABASE IF NOT EXISTS ${quoteIdent(t.rawDatabase)}`,
    `CREATE DATABASE IF NOT EXISTS ${quoteIdent(t.odsDatabase)}`,
    `CREATE TABLE IF NOT EXISTS ${qualified(t.rawDatabase, t.table)} (` +
      [
        `${quoteIdent(t.opColumn)} VARCHAR NULL`,
        `${quoteIdent(t.timestampColumn)} TIMESTAMP NULL`,
        ...business,
        `${quoteIdent(LOADED_AT)} TIMESTAMP DEFAULT now()`,
      ].join(', ') +
      `) ENABLE_SCHEMA_EVOLUTION = true`,
    `CREATE TABLE IF NOT EXISTS ${qualified(t.odsDatabase, t.table)} (` +
      [...ods, `${quoteIdent('is_deleted')} BOOLEAN NOT NULL DEFAULT false`].join(', ') +
      `)`,
  ];
}

/** Task 1: every Parquet file under the table's folder that COPY's load history has not seen. */
export function guideCopySql(t: GuideTable, stage: string, folder: string): string {
  return (
    `COPY INTO ${qualified(t.rawDatabase, t.table)} FROM @${stageName(stage)}/${folder}/ ` +
    `PATTERN = '.*[.]parquet' FILE_FORMAT = (TYPE = PARQUET MISSING_FIELD_AS = FIELD_DEFAULT) ` +
    `PURGE = TRUE ON_ERROR = CONTINUE`
  );
}

/** The newest load time in raw: the upper end of what the emulated stream yields now. */
export function guideWatermarkSql(t: GuideTable): string {
  return `SELECT max(${quoteIdent(LOADED_AT)})::STRING AS upto FROM ${qualified(t.rawDatabase, t.table)}`;
}

/**
 * Task 2 over the rows the emulated stream yields: loaded after `after` (null: from the start)
 * up to and including `upTo`.
 */
export function guideMergeSql(t: GuideTable, after: string | null, upTo: string): string {
  const col = quoteIdent;
  const loaded = col(LOADED_AT);
  const stream =
    `SELECT * FROM ${qualified(t.rawDatabase, t.table)} WHERE ` +
    (after === null ? '' : `${loaded} > ${quoteString(after)}::TIMESTAMP AND `) +
    `${loaded} <= ${quoteString(upTo)}::TIMESTAMP`;
  const names = t.columns.map((c) => c.name);
  const source =
    `SELECT * FROM (SELECT ${names.map(col).join(', ')}, ${col(t.opColumn)} AS _op, ` +
    `${col(t.timestampColumn)} AS _ts FROM (${stream})) ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${t.primaryKey.map(col).join(', ')} ORDER BY _ts DESC) = 1`;
  const on = t.primaryKey.map((k) => `target.${col(k)} = source.${col(k)}`).join(' AND ');
  const nonKey = names.filter((n) => !t.primaryKey.includes(n));
  const deleteSet = [
    `${col('is_deleted')} = true`,
    ...(t.deleteStamp === undefined
      ? []
      : [`${col(t.deleteStamp)} = source.${col(t.deleteStamp)}`]),
  ];
  const updateSet = [
    ...nonKey.map((n) => `${col(n)} = source.${col(n)}`),
    `${col('is_deleted')} = false`,
  ];
  const insertColumns = [...names, 'is_deleted'].map(col);
  const insertValues = [...names.map((n) => `source.${col(n)}`), 'false'];
  return (
    `MERGE INTO ${qualified(t.odsDatabase, t.table)} AS target USING (${source}) AS source ON ${on} ` +
    `WHEN MATCHED AND source._op = 'D' THEN UPDATE SET ${deleteSet.join(', ')} ` +
    `WHEN MATCHED AND source._op IN ('U', 'I') THEN UPDATE SET ${updateSet.join(', ')} ` +
    `WHEN NOT MATCHED AND source._op != 'D' THEN INSERT (${insertColumns.join(', ')}) ` +
    `VALUES (${insertValues.join(', ')})`
  );
}
