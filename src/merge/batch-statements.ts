/**
 * The statements of one batch transaction, built without running anything: the fencing step
 * (claim, lease, ledger check), the COPYs into raw (one per column set), the Op/row summary, the MERGE into ODS and the ledger INSERT. BatchLoader
 * runs them; `plan` prints them. Pure, so both always agree.
 */
import { parseKey } from '../files/key-layout.js';
import { earliestLoadTime } from '../files/ledger-window.js';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { claimSql, type WriterFence } from '../control/claim-sql.js';
import { leaseLiveSql } from '../control/lease-sql.js';
import { fileMark, type FenceStatements } from './batch-fence.js';
import { beforeImageColumnsIn } from './before-image.js';
import type { BatchStatements } from './batch-transaction.js';
import { copyIntoRawSql, type CopyColumn } from './copy-sql.js';
import { insertLedgerSql, loadedFilesSql } from '../control/ledger-sql.js';
import type { KeyBounds } from './merge-key-range.js';
import { batchSummarySql, mergeIntoOdsSql, type MergeIntoOdsInput } from './merge-sql.js';
import { formatDatabendType } from '../schema/databend-type.js';
import { ODS_STATE_COLUMNS } from '../schema/table-ddl.js';
import type { FileColumns } from '../schema/schema-plan.js';
import type { S3FileRef } from '../files/file-ref.js';

/** What the batch's SQL needs of a file: the object, its DMS kind and order, and its table. */
export interface BatchFile {
  readonly ref: Pick<S3FileRef, 'bucket' | 'key' | 'etag' | 'size' | 'eventTime'>;
  readonly key: { readonly kind: 'load' | 'cdc' };
  readonly route: { readonly target: string; readonly primaryKey: readonly string[] | undefined };
  /** fileRank: orders the file's rows in `_seq`. */
  readonly rank: string;
}

/** A file of the batch whose footer has been read and mapped. */
export interface ReadyFile<F extends BatchFile = BatchFile> {
  readonly file: F;
  readonly columns: FileColumns;
}

/** Time-ordered (base-36 milliseconds first) and unique: batch ids sort roughly by load time. */
export function newBatchId(now: number = Date.now()): string {
  return `${now.toString(36)}-${randomUUID().slice(0, 8)}`;
}

/**
 * The statements for `ready` (files of one table, in DMS order). `odsColumns` are the ODS table's
 * columns after the schema step; undefined when the table has no primary key (raw only).
 * `writer` is who commits: its claim (and lease, if it holds one) fence the transaction.
 */
export function batchStatements(
  config: Config,
  batchId: string,
  ready: readonly ReadyFile[],
  odsColumns: readonly string[] | undefined,
  writer: WriterFence,
): BatchStatements {
  const { dms } = config;
  const route = ready[0]?.file.route;
  if (route === undefined) throw new Error('a batch needs at least one file');
  const copies = copyStatements(config, route.target, batchId, ready);
  const mergeInput =
    route.primaryKey === undefined || odsColumns === undefined
      ? undefined
      : mergeInputOf(config, route.target, route.primaryKey, batchId, ready, odsColumns);
  const merge = mergeInput === undefined ? undefined : mergeIntoOdsSql(mergeInput);
  // Key-changing updates also tombstone old keys, which lie outside the batch's key range.
  const keyRangeColumn =
    mergeInput?.beforeImageColumns === undefined ? mergeInput?.primaryKey[0] : undefined;
  return {
    fence: fenceStatements(config, route.target, ready, writer, batchId),
    copies,
    compactRawAfterWrite: config.maintenance.compactCron === '',
    summary: batchSummarySql({
      rawDatabase: config.databend.rawDatabase,
      rawTable: route.target,
      opColumn: dms.opColumn,
      batchId,
      timestampColumn: dms.timestampColumn ?? undefined,
      // Only ODS needs keys; a raw-only table takes rows whatever their key.
      primaryKey: merge === undefined ? undefined : route.primaryKey,
      keyRangeColumn,
    }),
    merge,
    ...(mergeInput === undefined || keyRangeColumn === undefined
      ? {}
      : {
          mergeInKeyRange: (bounds: KeyBounds) =>
            mergeIntoOdsSql({ ...mergeInput, keyRange: { column: keyRangeColumn, ...bounds } }),
        }),
    ledger: (rowsByFile: ReadonlyMap<string, number>) =>
      insertLedgerSql(
        config.databend.controlDatabase,
        ready.map(({ file }) => ({
          bucket: file.ref.bucket,
          key: file.ref.key,
          etag: file.ref.etag,
          table: route.target,
          batchId,
          kind: file.key.kind,
          rows: rowsByFile.get(file.ref.key) ?? 0,
          size: file.ref.size,
          eventTime: file.ref.eventTime,
        })),
      ),
  };
}

/** COPY INTO raw, one statement per set of files with the same columns. */
function copyStatements(
  config: Config,
  table: string,
  batchId: string,
  ready: readonly ReadyFile[],
): string[] {
  const { dms } = config;
  return groupByColumns(ready).map((group) => {
    const names = new Set(group[0]?.columns.columns.map((c) => c.name));
    const columns: CopyColumn[] = (group[0]?.columns.columns ?? []).filter(
      (c) => c.name !== dms.opColumn,
    );
    return copyIntoRawSql({
      rawDatabase: config.databend.rawDatabase,
      rawTable: table,
      stage: config.databend.stageName,
      batchId,
      columns,
      opColumn: dms.opColumn,
      filesHaveOp: names.has(dms.opColumn),
      timestampColumn:
        dms.timestampColumn !== null && names.has(dms.timestampColumn)
          ? dms.timestampColumn
          : undefined,
      sourceSeqColumn: names.has(dms.sourceSeqColumn) ? dms.sourceSeqColumn : undefined,
      files: new Map(group.map((r) => [r.file.ref.key, r.file.rank])),
    });
  });
}

/** What the MERGE of the batch's raw rows into ODS needs (`odsColumns`: state columns too). */
function mergeInputOf(
  config: Config,
  table: string,
  primaryKey: readonly string[],
  batchId: string,
  ready: readonly ReadyFile[],
  odsColumns: readonly string[],
): MergeIntoOdsInput {
  const stateColumns = new Set(ODS_STATE_COLUMNS.map((c) => c.name));
  return {
    rawDatabase: config.databend.rawDatabase,
    rawTable: table,
    odsDatabase: config.databend.odsDatabase,
    odsTable: table,
    columns: odsColumns.filter((c) => !stateColumns.has(c)),
    primaryKey,
    opColumn: config.dms.opColumn,
    batchId,
    beforeImageColumns: batchBeforeImages(ready, primaryKey, config.dms.beforeImagePrefix),
    snapshotsIn: config.databend.controlDatabase,
  };
}

function fenceStatements(
  config: Config,
  table: string,
  ready: readonly ReadyFile[],
  writer: WriterFence,
  batchId: string,
): FenceStatements {
  const control = config.databend.controlDatabase;
  const bucket = ready[0]?.file.ref.bucket ?? '';
  return {
    claim: claimSql(control, table, writer, batchId),
    claimCarriesToken: writer.lease !== undefined,
    leaseLive:
      writer.lease === undefined
        ? undefined
        : leaseLiveSql(control, writer.lease.name, writer.owner, writer.lease.token),
    ledger: loadedFilesSql(
      control,
      bucket,
      ready.map((r) => r.file.ref.key),
      // Read only the ledger's blocks that can hold the batch's files (ingest/ledger-window.ts).
      earliestLoadTime(
        ready.map((r) => {
          const parsed = parseKey(r.file.ref.key, { bucketFolder: config.s3.bucketFolder });
          return parsed.ok ? parsed.file : undefined;
        }),
      ),
    ),
    files: new Set(ready.map((r) => fileMark(r.file.ref.key, r.file.ref.etag))),
  };
}

/**
 * The key's before-image columns when a file of the batch carries all of them (the schema step
 * has then put them in raw; the batch's rows from files without them hold NULL there, which
 * means "key unchanged").
 */
function batchBeforeImages(
  ready: readonly ReadyFile[],
  primaryKey: readonly string[],
  prefix: string,
): readonly string[] | undefined {
  for (const r of ready) {
    const found = beforeImageColumnsIn(
      primaryKey,
      prefix,
      r.columns.columns.map((c) => c.name),
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/** COPY needs every file of one statement to have the referenced columns: one group per column set. */
function groupByColumns(ready: readonly ReadyFile[]): ReadyFile[][] {
  const groups = new Map<string, ReadyFile[]>();
  for (const r of ready) {
    // Same names and same Parquet-derived types: COPY fails (1303) on files whose schemas differ.
    const signature = JSON.stringify(
      r.columns.columns.map((c) => [c.name, formatDatabendType(c.databendType)]),
    );
    groups.set(signature, [...(groups.get(signature) ?? []), r]);
  }
  return [...groups.values()];
}
