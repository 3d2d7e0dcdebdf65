/**
 * The DMS simulator: a MySQL-like source whose changes land in S3 as AWS DMS writes them.
 * See sim/README.md. Everything tests, the demo and the benchmarks need is exported here.
 */
export { simulate, completeRow, type Simulation } from './simulate.js';
export { generate, type Generated } from './generate.js';
export type { WorkloadOptions, ResolvedWorkload } from './workload/options.js';
export type { Op, SourceChange, SourceDdl, SourceTruncate } from './workload/source-db.js';
export type { ReloadPlan, TruncatePlan } from './workload/options.js';
export { folderRemovals, type FolderRemoval } from './dms/removals.js';
export {
  DEFAULT_DMS_SETTINGS,
  resolveDmsSettings,
  type DmsSettings,
  type DatePartitionDelimiter,
  type DatePartitionSequence,
} from './dms/settings.js';
export {
  defineTable,
  keyOf,
  qualifiedName,
  type Column,
  type ColumnDef,
  type Row,
  type Table,
  type TableDef,
} from './model/table.js';
export { parseMysqlType, type MysqlType } from './model/mysql-type.js';
export {
  ADDED_COLUMN,
  CATALOG_TABLE_NAMES,
  catalogTables,
  catalogTablesByName,
} from './model/catalog.js';
export type { DmsFile, FileRow } from './dms/files.js';
export type { ColumnRole, FileColumn } from './dms/file-columns.js';
export { parquetLayout, type ParquetLayout } from './dms/parquet-types.js';
export {
  cdcFileName,
  compareDmsFileNames,
  datePartitionFolder,
  fileKindOf,
  loadFileName,
  objectKey,
} from './dms/naming.js';
export { changeStream, type Change } from './truth/changes.js';
export { compareSeq, replay } from './truth/replay.js';
export type { TableTruth, Truth } from './truth/truth.js';
export {
  readTruthFile,
  truthFromDocument,
  truthToDocument,
  writeTruthFile,
  type TruthDocument,
} from './truth/truth-file.js';
export { canonicalFromDatabend, expectedCanonical } from './truth/canonical.js';
export { diffRows, type DiffOptions, type TableDiff, type ValueMismatch } from './truth/diff.js';
export {
  compareOds,
  compareOdsTable,
  readOdsRows,
  type OdsCompareOptions,
  type OdsComparison,
  type QueryConnection,
} from './truth/compare-ods.js';
export {
  localPath,
  writeParquetFiles,
  type WriteParquetOptions,
  type WrittenFile,
} from './parquet/write.js';
export { inspectParquet, type ParquetInspection } from './parquet/inspect.js';
export { planDelivery, type DeliveryKnobs, type DeliveryStep } from './s3/delivery-plan.js';
export {
  deliverFiles,
  s3ClientFor,
  type DeliveredPut,
  type DeliverOptions,
  type S3Target,
} from './s3/deliver.js';
export {
  applyToMysql,
  createTableSql,
  insertRows,
  toSqlValue,
  type AppliedSource,
  type ApplyToMysqlOptions,
} from './mysql/source-writer.js';
export { formatDmsTimestamp, parseInstant, type Micros } from './time.js';
