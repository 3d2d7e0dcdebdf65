/**
 * A Parquet file's top-level columns as its footer declares them, in the Parquet format's own
 * vocabulary. DMS writes flat files whose columns carry the legacy ConvertedType annotations only;
 * other writers (pyarrow, Spark) also write LogicalType. Both are kept so the type map can prefer
 * the richer one and still understand DMS.
 */

export type ParquetPhysicalType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'INT96'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY'
  | 'FIXED_LEN_BYTE_ARRAY';

export type ParquetConvertedType =
  | 'UTF8'
  | 'MAP'
  | 'MAP_KEY_VALUE'
  | 'LIST'
  | 'ENUM'
  | 'DECIMAL'
  | 'DATE'
  | 'TIME_MILLIS'
  | 'TIME_MICROS'
  | 'TIMESTAMP_MILLIS'
  | 'TIMESTAMP_MICROS'
  | 'UINT_8'
  | 'UINT_16'
  | 'UINT_32'
  | 'UINT_64'
  | 'INT_8'
  | 'INT_16'
  | 'INT_32'
  | 'INT_64'
  | 'JSON'
  | 'BSON'
  | 'INTERVAL';

export type ParquetTimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';

export type ParquetLogicalType =
  | { readonly type: 'STRING' | 'ENUM' | 'JSON' | 'BSON' | 'DATE' | 'MAP' | 'LIST' | 'NULL' }
  | { readonly type: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | {
      readonly type: 'TIME' | 'TIMESTAMP';
      readonly unit: ParquetTimeUnit;
      readonly isAdjustedToUTC: boolean;
    }
  | { readonly type: 'INTEGER'; readonly bitWidth: number; readonly isSigned: boolean }
  /** A LogicalType newer than the decoder knows (e.g. FLOAT16, UUID, VARIANT, GEOMETRY). */
  | { readonly type: 'OTHER' };

export type IntegerWidth = 8 | 16 | 32 | 64;

export interface ParquetColumn {
  readonly name: string;
  /** 'GROUP' for a nested field (struct, list, map); its children are not listed. */
  readonly physicalType: ParquetPhysicalType | 'GROUP';
  readonly repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  readonly convertedType?: ParquetConvertedType;
  readonly logicalType?: ParquetLogicalType;
  /** Byte width of a FIXED_LEN_BYTE_ARRAY. */
  readonly typeLength?: number;
  /** DECIMAL precision and scale, from the LogicalType or else the schema element. */
  readonly precision?: number;
  readonly scale?: number;
  /** Integer annotation, from the LogicalType or else the INT_n/UINT_n ConvertedType. */
  readonly intType?: { readonly bitWidth: IntegerWidth; readonly isSigned: boolean };
}

export interface ParquetSchema {
  readonly columns: readonly ParquetColumn[];
  readonly rowCount: number;
  /** The writer, e.g. "AWS" for DMS or "parquet-cpp-arrow version 26.0.1". */
  readonly createdBy?: string;
}

export const PHYSICAL_TYPES: readonly ParquetPhysicalType[] = [
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
];

/** Indexed by the Thrift enum value. */
export const CONVERTED_TYPES: readonly ParquetConvertedType[] = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
];

export const REPETITIONS: readonly ParquetColumn['repetition'][] = [
  'REQUIRED',
  'OPTIONAL',
  'REPEATED',
];
