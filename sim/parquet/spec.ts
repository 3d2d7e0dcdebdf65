import type { FileColumn } from '../dms/file-columns.js';
import type { DmsFile, FileRow } from '../dms/files.js';
import type { DmsSettings } from '../dms/settings.js';
import { formatDmsTimestamp } from '../time.js';

/** One column as the Python writer receives it: an Arrow type and its values, column-major. */
export interface PyColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly precision?: number;
  readonly scale?: number;
  readonly values: readonly (string | number | boolean | null)[];
}

export interface PyFileSpec {
  readonly path: string;
  readonly parquetVersion: DmsSettings['parquetVersion'];
  readonly compression: DmsSettings['compressionType'];
  readonly rowGroupLength: number;
  readonly createdBy: string;
  readonly columns: readonly PyColumnSpec[];
}

/**
 * A canonical value as JSON the Python side converts without loss: integers and decimals stay
 * strings (JSON numbers lose 64-bit and decimal precision), binary stays hex, BIT(1) becomes a
 * boolean, DOUBLE a number, and DATETIME/TIMESTAMP a string cut to milliseconds when DMS writes
 * milliseconds (ParquetTimestampInMillisecond).
 */
export function toPyValue(
  column: FileColumn,
  value: string | null,
): string | number | boolean | null {
  if (value === null) return null;
  switch (column.layout.arrow) {
    case 'bool':
      return value === '1';
    case 'float64':
      return Number(value);
    case 'timestamp_ms':
      return `${value.slice(0, 23)}000`;
    default:
      return value;
  }
}

function cell(column: FileColumn, row: FileRow): string | number | boolean | null {
  switch (column.role) {
    case 'op':
      return row.op;
    case 'timestamp':
      return formatDmsTimestamp(row.timestamp);
    case 'change-seq':
      return row.changeSeq;
    case 'data':
      return toPyValue(column, row.row[column.source ?? ''] ?? null);
    case 'before-image':
      return toPyValue(column, row.beforeImage?.[column.source ?? ''] ?? null);
  }
}

export function pyFileSpec(file: DmsFile, settings: DmsSettings, path: string): PyFileSpec {
  return {
    path,
    parquetVersion: settings.parquetVersion,
    compression: settings.compressionType,
    rowGroupLength: settings.rowGroupLength,
    createdBy: 'AWS',
    columns: file.columns.map((column) => ({
      name: column.name,
      type: column.layout.arrow,
      nullable: column.nullable,
      ...(column.layout.precision === undefined ? {} : { precision: column.layout.precision }),
      ...(column.layout.scale === undefined ? {} : { scale: column.layout.scale }),
      values: file.rows.map((row) => cell(column, row)),
    })),
  };
}
