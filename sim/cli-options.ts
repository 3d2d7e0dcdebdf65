import { InvalidArgumentError, Option, type Command } from 'commander';
import type { DmsSettings } from './dms/settings.js';
import {
  catalogTables,
  catalogTablesByName,
  CATALOG_TABLE_NAMES,
  ADDED_COLUMN,
} from './model/catalog.js';
import type { DeliveryKnobs } from './s3/delivery-plan.js';
import type { WorkloadOptions } from './workload/options.js';

/** Parsers that reject bad numbers with a message naming the value (no silent NaN). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`needs an integer in ${min}..${max}`);
    }
    return n;
  };
}
export function decimalNumber(min: number, max = Infinity) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`needs a number in ${min}..${max}`);
    }
    return n;
  };
}

/** Options that choose the source tables and the workload. */
export function addWorkloadOptions(cmd: Command): Command {
  return cmd
    .option(
      '--seed <n>',
      'seed of every random choice; same seed, same files and truth',
      integer(-2147483647, 2147483647),
      1,
    )
    .option(
      '--tables <n|names>',
      `how many built-in tables (a number), or a comma-separated list of names (${CATALOG_TABLE_NAMES.join(', ')}; _2, _3… suffixes repeat them)`,
      '3',
    )
    .option('--schema <name>', 'source database name (the DMS schema folder)', 'shop')
    .option(
      '--rows <n>',
      'rows per table before the task starts (they arrive by full load)',
      integer(0),
      100,
    )
    .option(
      '--rate <tps>',
      'committed source transactions per second, all tables together',
      decimalNumber(0),
      20,
    )
    .option(
      '--duration <s>',
      'seconds of source transactions after the task start',
      decimalNumber(0.001),
      60,
    )
    .option('--max-statements <n>', 'statements per transaction are drawn from 1..n', integer(1), 4)
    .option('--start <iso>', 'task start time (UTC), ISO-8601', '2024-06-12T10:00:00Z')
    .option(
      '--full-load-row-us <us>',
      'microseconds the full load spends per row',
      integer(1),
      2000,
    )
    .option(
      '--add-column <table>',
      `table that gets ALTER TABLE ADD COLUMN ${ADDED_COLUMN.name} mid-stream (default: the first table)`,
    )
    .option(
      '--add-column-at <fraction>',
      'when the ADD COLUMN happens, as a fraction of --duration',
      decimalNumber(0),
      0.5,
    )
    .option('--no-add-column', 'no ADD COLUMN at all')
    .option(
      '--reload <table>',
      'a DMS reload of this table: its LOAD files rewritten with new ETags',
    )
    .option(
      '--reload-at <fraction>',
      'when the reload starts, as a fraction of --duration',
      decimalNumber(0),
      0.75,
    )
    .option('--key-updates', 'UPDATEs that change a primary key (needs --before-image-prefix)');
}

/** Options named after the DMS S3 target settings. */
export function addDmsOptions(cmd: Command): Command {
  return cmd
    .option('--bucket-folder <path>', 'DMS BucketFolder (prefix of every key)', '')
    .option(
      '--no-include-op-for-full-load',
      'DMS IncludeOpForFullLoad=false: full-load files without an Op column',
    )
    .option('--timestamp-column <name>', 'DMS TimestampColumnName', '_dms_ingestion_timestamp')
    .option('--no-timestamp-column', 'no timestamp column at all')
    .option('--use-task-start-time', 'DMS UseTaskStartTimeForFullLoadTimestamp=true')
    .addOption(
      new Option('--compression <type>', 'DMS CompressionType')
        .choices(['NONE', 'GZIP'])
        .default('NONE'),
    )
    .addOption(
      new Option('--parquet-version <v>', 'DMS ParquetVersion')
        .choices(['PARQUET_1_0', 'PARQUET_2_0'])
        .default('PARQUET_1_0'),
    )
    .option(
      '--timestamp-millis',
      'DMS ParquetTimestampInMillisecond=true: DATETIME/TIMESTAMP as INT64 millis',
    )
    .option('--row-group-length <rows>', 'DMS RowGroupLength', integer(1), 10_000)
    .option('--date-partition', 'DMS DatePartitionEnabled=true: CDC files in date folders')
    .addOption(
      new Option('--date-partition-sequence <seq>', 'DMS DatePartitionSequence')
        .choices(['YYYYMMDD', 'YYYYMMDDHH', 'YYYYMM', 'MMYYYYDD', 'DDMMYYYY'])
        .default('YYYYMMDD'),
    )
    .addOption(
      new Option('--date-partition-delimiter <d>', 'DMS DatePartitionDelimiter')
        .choices(['SLASH', 'DASH', 'UNDERSCORE', 'NONE'])
        .default('SLASH'),
    )
    .option(
      '--cdc-max-batch-interval <s>',
      'DMS CdcMaxBatchInterval, seconds',
      decimalNumber(0.001),
      60,
    )
    .option(
      '--cdc-min-file-size <kb>',
      'DMS CdcMinFileSize, kilobytes',
      decimalNumber(0.001),
      32_000,
    )
    .option(
      '--change-seq-column <name>',
      'add a column filled by a $AR_H_CHANGE_SEQ transformation rule',
    )
    .option(
      '--before-image-prefix <prefix>',
      'add-before-image-columns (pk-only) with this prefix, e.g. BI_',
    )
    .option('--load-max-rows <n>', 'rows per full-load file', integer(1), 50_000);
}

/** Options of the upload: target and delivery knobs. */
export function addDeliveryOptions(cmd: Command): Command {
  return cmd
    .option(
      '--endpoint <url>',
      'S3 endpoint (default: AWS_ENDPOINT_URL from the environment or --stack-env)',
    )
    .option('--bucket <name>', 'bucket (default: S3_BUCKET from the environment or --stack-env)')
    .option('--region <region>', 'region (default: AWS_REGION from the environment or --stack-env)')
    .option(
      '--duplicate <p>',
      'probability that a file is put twice (a duplicate event)',
      decimalNumber(0, 1),
      0,
    )
    .option('--reorder-window <n>', 'shuffle uploads within windows of n files', integer(1), 1)
    .option(
      '--delay <p>',
      'probability that a file is held back by --delay-ms',
      decimalNumber(0, 1),
      0,
    )
    .option('--delay-ms <ms>', 'how long a held-back file waits', integer(0), 2000)
    .option('--interval-ms <ms>', 'pause between uploads', integer(0), 0)
    .option(
      '--delivery-seed <n>',
      'seed of the delivery knobs (default: --seed)',
      integer(-2147483647, 2147483647),
    );
}

export interface WorkloadFlags {
  seed: number;
  tables: string;
  schema: string;
  rows: number;
  rate: number;
  duration: number;
  maxStatements: number;
  start: string;
  fullLoadRowUs: number;
  addColumn: string | boolean | undefined;
  addColumnAt: number;
  reload?: string;
  reloadAt: number;
  keyUpdates?: boolean;
}

export interface DmsFlags {
  bucketFolder: string;
  includeOpForFullLoad: boolean;
  timestampColumn: string | false;
  useTaskStartTime?: boolean;
  compression: 'NONE' | 'GZIP';
  parquetVersion: 'PARQUET_1_0' | 'PARQUET_2_0';
  timestampMillis?: boolean;
  rowGroupLength: number;
  datePartition?: boolean;
  datePartitionSequence: DmsSettings['datePartitionSequence'];
  datePartitionDelimiter: DmsSettings['datePartitionDelimiter'];
  cdcMaxBatchInterval: number;
  cdcMinFileSize: number;
  changeSeqColumn?: string;
  beforeImagePrefix?: string;
  loadMaxRows: number;
}

export interface DeliveryFlags {
  endpoint?: string;
  bucket?: string;
  region?: string;
  duplicate: number;
  reorderWindow: number;
  delay: number;
  delayMs: number;
  intervalMs: number;
  deliverySeed?: number;
}

export function workloadFromFlags(f: WorkloadFlags): WorkloadOptions {
  const tables = /^\d+$/.test(f.tables)
    ? catalogTables(f.schema, Number(f.tables))
    : catalogTablesByName(
        f.schema,
        f.tables
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== ''),
      );
  const first = tables[0]?.name ?? '';
  const addColumn =
    f.addColumn === false
      ? null
      : {
          table: typeof f.addColumn === 'string' ? f.addColumn : first,
          column: ADDED_COLUMN,
          atFraction: f.addColumnAt,
        };
  return {
    seed: f.seed,
    tables,
    initialRows: f.rows,
    startTime: f.start,
    durationSeconds: f.duration,
    transactionsPerSecond: f.rate,
    maxStatementsPerTransaction: f.maxStatements,
    fullLoadRowMicros: f.fullLoadRowUs,
    addColumn,
    reload: f.reload === undefined ? null : { table: f.reload, atFraction: f.reloadAt },
    ...(f.keyUpdates === true ? { keyUpdates: true } : {}),
  };
}

export function dmsFromFlags(f: DmsFlags): Partial<DmsSettings> {
  return {
    bucketFolder: f.bucketFolder,
    includeOpForFullLoad: f.includeOpForFullLoad,
    timestampColumnName: f.timestampColumn === false ? null : f.timestampColumn,
    useTaskStartTimeForFullLoadTimestamp: f.useTaskStartTime === true,
    compressionType: f.compression,
    parquetVersion: f.parquetVersion,
    parquetTimestampInMillisecond: f.timestampMillis === true,
    rowGroupLength: f.rowGroupLength,
    datePartitionEnabled: f.datePartition === true,
    datePartitionSequence: f.datePartitionSequence,
    datePartitionDelimiter: f.datePartitionDelimiter,
    cdcMaxBatchInterval: f.cdcMaxBatchInterval,
    cdcMinFileSize: f.cdcMinFileSize,
    changeSeqColumn: f.changeSeqColumn ?? null,
    beforeImagePrefix: f.beforeImagePrefix ?? null,
    loadMaxRowsPerFile: f.loadMaxRows,
  };
}

export function knobsFromFlags(f: DeliveryFlags, seed: number): DeliveryKnobs {
  return {
    seed: f.deliverySeed ?? seed,
    duplicateProbability: f.duplicate,
    reorderWindow: f.reorderWindow,
    delayProbability: f.delay,
    delayMs: f.delayMs,
    intervalMs: f.intervalMs,
  };
}
