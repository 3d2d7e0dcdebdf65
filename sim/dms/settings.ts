/**
 * The DMS S3-target settings the simulator honours, named after AWS's S3Settings (camelCase)
 * and defaulting to the configuration in dms-s3-sqs.md §D.
 */
export type DatePartitionSequence = 'YYYYMMDD' | 'YYYYMMDDHH' | 'YYYYMM' | 'MMYYYYDD' | 'DDMMYYYY';
export type DatePartitionDelimiter = 'SLASH' | 'DASH' | 'UNDERSCORE' | 'NONE';

export interface DmsSettings {
  /** Prefix folder in the bucket, without slashes at either end; '' for none. */
  readonly bucketFolder: string;
  /** Op column in full-load files too (DMS ≥ 3.4.7 for Parquet). */
  readonly includeOpForFullLoad: boolean;
  /** TimestampColumnName; null leaves the column out. */
  readonly timestampColumnName: string | null;
  /** Full-load rows carry the task start time instead of their transfer time. */
  readonly useTaskStartTimeForFullLoadTimestamp: boolean;
  readonly compressionType: 'NONE' | 'GZIP';
  readonly parquetVersion: 'PARQUET_1_0' | 'PARQUET_2_0';
  /** ParquetTimestampInMillisecond: DATETIME/TIMESTAMP as INT64 millis instead of micros. */
  readonly parquetTimestampInMillisecond: boolean;
  /** RowGroupLength: rows per Parquet row group. */
  readonly rowGroupLength: number;
  readonly datePartitionEnabled: boolean;
  readonly datePartitionSequence: DatePartitionSequence;
  readonly datePartitionDelimiter: DatePartitionDelimiter;
  /** CdcMaxBatchInterval, seconds. */
  readonly cdcMaxBatchInterval: number;
  /** CdcMinFileSize, kilobytes (of the rows before Parquet encoding, as DMS counts). */
  readonly cdcMinFileSize: number;
  /** Name of a column filled by a `$AR_H_CHANGE_SEQ` transformation rule; null for none. */
  readonly changeSeqColumn: string | null;
  /** Prefix of `add-before-image-columns` (pk-only) columns, e.g. 'BI_'; null for none. */
  readonly beforeImagePrefix: string | null;
  /** Rows per full-load file before DMS starts the next LOAD file. */
  readonly loadMaxRowsPerFile: number;
  /**
   * Partitions of a parallel full load (table-settings `parallel-load` with `partitions-auto` or
   * `partitions-list`): each partition's rows, a range of keys, go to `<table>/<partition>/LOAD…`
   * with a counter of its own. Empty (default): `<table>/LOAD…`.
   */
  readonly loadPartitions: readonly string[];
}

export const DEFAULT_DMS_SETTINGS: DmsSettings = {
  bucketFolder: '',
  includeOpForFullLoad: true,
  timestampColumnName: '_dms_ingestion_timestamp',
  useTaskStartTimeForFullLoadTimestamp: false,
  compressionType: 'NONE',
  parquetVersion: 'PARQUET_1_0',
  parquetTimestampInMillisecond: false,
  rowGroupLength: 10_000,
  datePartitionEnabled: false,
  datePartitionSequence: 'YYYYMMDD',
  datePartitionDelimiter: 'SLASH',
  cdcMaxBatchInterval: 60,
  cdcMinFileSize: 32_000,
  changeSeqColumn: null,
  beforeImagePrefix: null,
  loadMaxRowsPerFile: 50_000,
  loadPartitions: [],
};

/** Fills defaults and rejects inconsistent settings with a message naming the field. */
export function resolveDmsSettings(partial: Partial<DmsSettings> = {}): DmsSettings {
  const s: DmsSettings = { ...DEFAULT_DMS_SETTINGS, ...partial };
  const positive = (name: keyof DmsSettings, value: number): void => {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`DMS setting ${name} must be > 0`);
  };
  positive('cdcMaxBatchInterval', s.cdcMaxBatchInterval);
  positive('cdcMinFileSize', s.cdcMinFileSize);
  positive('rowGroupLength', s.rowGroupLength);
  positive('loadMaxRowsPerFile', s.loadMaxRowsPerFile);
  if (/^\/|\/$/.test(s.bucketFolder)) {
    throw new Error('DMS setting bucketFolder must not start or end with a slash');
  }
  if (s.timestampColumnName === '') throw new Error('DMS setting timestampColumnName is empty');
  if (s.changeSeqColumn === '') throw new Error('DMS setting changeSeqColumn is empty');
  if (s.beforeImagePrefix === '') throw new Error('DMS setting beforeImagePrefix is empty');
  if (
    s.loadPartitions.some((p) => p === '' || p.includes('/')) ||
    new Set(s.loadPartitions).size !== s.loadPartitions.length
  ) {
    throw new Error('DMS setting loadPartitions must be distinct folder names without a slash');
  }
  return s;
}
