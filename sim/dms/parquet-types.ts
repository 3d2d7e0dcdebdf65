import type { MysqlType } from '../model/mysql-type.js';
import type { DmsSettings } from './settings.js';

/**
 * How DMS writes each MySQL type into Parquet (dms-s3-sqs.md §A3), as two views of one
 * decision: the Arrow type the Python writer is asked for, and the physical/converted types
 * that must come out (which the tests check in the written files).
 */
export type ArrowType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'binary'
  | 'date32'
  | 'timestamp_us'
  | 'timestamp_ms'
  | 'decimal';

export type PhysicalType =
  'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';

export interface ParquetLayout {
  readonly arrow: ArrowType;
  readonly physical: PhysicalType;
  /** The legacy ConvertedType name, or null when the column has none. */
  readonly converted: string | null;
  /** Byte width of FIXED_LEN_BYTE_ARRAY columns. */
  readonly typeLength?: number;
  readonly precision?: number;
  readonly scale?: number;
}

/** The fewest bytes holding any signed value of `precision` decimal digits (Parquet's rule). */
export function decimalByteWidth(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (1n << BigInt(8 * bytes - 1) <= max) bytes++;
  return bytes;
}

const STRING: ParquetLayout = { arrow: 'string', physical: 'BYTE_ARRAY', converted: 'UTF8' };
const BINARY: ParquetLayout = { arrow: 'binary', physical: 'BYTE_ARRAY', converted: null };

export function parquetLayout(type: MysqlType, settings: DmsSettings): ParquetLayout {
  switch (type.kind) {
    case 'tinyint1':
      return { arrow: 'int8', physical: 'INT32', converted: 'INT_8' };
    case 'integer':
      switch (type.name) {
        case 'tinyint':
          return type.unsigned
            ? { arrow: 'uint8', physical: 'INT32', converted: 'UINT_8' }
            : { arrow: 'int8', physical: 'INT32', converted: 'INT_8' };
        case 'smallint':
          return type.unsigned
            ? { arrow: 'uint16', physical: 'INT32', converted: 'UINT_16' }
            : { arrow: 'int16', physical: 'INT32', converted: 'INT_16' };
        case 'mediumint':
        case 'int':
          if (!type.unsigned) return { arrow: 'int32', physical: 'INT32', converted: null };
          // Parquet 1.0 has no UINT_32 in practice: Arrow (and, by inference, DMS) widens it.
          return settings.parquetVersion === 'PARQUET_1_0'
            ? { arrow: 'uint32', physical: 'INT64', converted: null }
            : { arrow: 'uint32', physical: 'INT32', converted: 'UINT_32' };
        case 'bigint':
          return type.unsigned
            ? { arrow: 'uint64', physical: 'INT64', converted: 'UINT_64' }
            : { arrow: 'int64', physical: 'INT64', converted: null };
      }
      break;
    case 'year':
      return { arrow: 'int16', physical: 'INT32', converted: 'INT_16' };
    case 'decimal':
      return {
        arrow: 'decimal',
        physical: 'FIXED_LEN_BYTE_ARRAY',
        converted: 'DECIMAL',
        typeLength: decimalByteWidth(type.precision),
        precision: type.precision,
        scale: type.scale,
      };
    case 'float':
    case 'double':
      // AWS maps MySQL FLOAT to REAL(DOUBLE): both are written as DOUBLE.
      return { arrow: 'float64', physical: 'DOUBLE', converted: null };
    case 'date':
      return { arrow: 'date32', physical: 'INT32', converted: 'DATE' };
    case 'datetime':
    case 'timestamp':
      return settings.parquetTimestampInMillisecond
        ? { arrow: 'timestamp_ms', physical: 'INT64', converted: 'TIMESTAMP_MILLIS' }
        : { arrow: 'timestamp_us', physical: 'INT64', converted: 'TIMESTAMP_MICROS' };
    case 'bit':
      return type.width === 1 ? { arrow: 'bool', physical: 'BOOLEAN', converted: null } : BINARY;
    case 'binary':
      return BINARY;
    case 'time':
    case 'text':
    case 'enum':
    case 'set':
    case 'json':
      return STRING;
  }
  throw new Error('unreachable: every MySQL type has a Parquet layout');
}

/** Layout of the columns DMS adds (Op, the timestamp, `$AR_H_CHANGE_SEQ`): UTF8 strings. */
export const DMS_STRING_LAYOUT: ParquetLayout = STRING;
