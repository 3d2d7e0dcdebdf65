/**
 * The one map from a Parquet column, as DMS writes it, to the Databend column that stores it and
 * the expression that loads it in COPY's SELECT. docs/type-map.md is this file as a table; keep
 * the two in step.
 *
 * A LogicalType wins over the legacy ConvertedType when a file has both; DMS files have only the
 * ConvertedType. Every column is created NULL whatever the file says, so a later file that lacks
 * a column, or has NULLs in a column an earlier file declared REQUIRED, still loads.
 */

import { MAX_DECIMAL_PRECISION, type DatabendType } from './databend-type.js';
import type { ParquetColumn } from './parquet-column.js';

/**
 * What a table's `columnTypes` configuration may ask for. MySQL JSON reaches Parquet as a plain
 * UTF8 string, indistinguishable from VARCHAR, so choosing VARIANT is the operator's call.
 */
export const COLUMN_TYPE_OVERRIDES = ['VARIANT', 'STRING'] as const;
export type ColumnTypeOverride = (typeof COLUMN_TYPE_OVERRIDES)[number];
export type ColumnTypeOverrides = Readonly<Record<string, ColumnTypeOverride>>;

export interface MappedColumn {
  readonly name: string;
  readonly databendType: DatabendType;
  /**
   * The SELECT expression of COPY's transformation that loads this column, given the column's
   * quoted reference in the file (e.g. `\`js\``). Most are the reference itself; a UTF8 column
   * loaded as VARIANT is parsed with parse_json, which fails the COPY on text that is not JSON
   * rather than storing NULL.
   */
  readonly loadExpression: (ref: string) => string;
}

export interface UnsupportedColumn {
  readonly name: string;
  readonly reason: string;
}

export type ColumnMapping =
  | { readonly ok: true; readonly column: MappedColumn }
  | { readonly ok: false; readonly unsupported: UnsupportedColumn };

const asIs = (ref: string): string => ref;
const parseJson = (ref: string): string => `parse_json(${ref})`;

const STRING: DatabendType = { kind: 'string' };
const BINARY: DatabendType = { kind: 'binary' };
const TIMESTAMP: DatabendType = { kind: 'timestamp' };

/** Maps every column of a file; the unsupported ones are listed rather than thrown. */
export function mapParquetColumns(
  columns: readonly ParquetColumn[],
  overrides: ColumnTypeOverrides = {},
): {
  readonly columns: readonly MappedColumn[];
  readonly unsupported: readonly UnsupportedColumn[];
} {
  const mapped: MappedColumn[] = [];
  const unsupported: UnsupportedColumn[] = [];
  for (const column of columns) {
    const result = mapParquetColumn(column, overrides[column.name]);
    if (result.ok) mapped.push(result.column);
    else unsupported.push(result.unsupported);
  }
  return { columns: mapped, unsupported };
}

export function mapParquetColumn(
  column: ParquetColumn,
  override?: ColumnTypeOverride,
): ColumnMapping {
  const base = baseType(column);
  if (typeof base === 'string') {
    return reject(column, base);
  }
  if (override === undefined) {
    return accept(
      column,
      base.type,
      base.textual && base.type.kind === 'variant' ? parseJson : asIs,
    );
  }
  if (!base.textual) {
    return reject(
      column,
      `columnTypes sets ${override}, which applies only to text (UTF8/JSON/ENUM) columns, ` +
        `but the file has ${describeColumn(column)}`,
    );
  }
  return override === 'VARIANT'
    ? accept(column, { kind: 'variant' }, parseJson)
    : accept(column, STRING, asIs);
}

/** The Databend type for the column, or why it cannot be loaded. */
function baseType(column: ParquetColumn): { type: DatabendType; textual: boolean } | string {
  if (column.physicalType === 'GROUP' || column.repetition === 'REPEATED') {
    return `nested and repeated fields are not supported (${describeColumn(column)})`;
  }
  const logical = column.logicalType?.type;
  const converted = column.convertedType;
  const plain = (type: DatabendType) => ({ type, textual: false });

  if (logical === 'OTHER' || logical === 'NULL' || logical === 'MAP' || logical === 'LIST') {
    return `its Parquet logical type is not supported (${describeColumn(column)})`;
  }
  if (logical === 'TIME' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS') {
    // Databend fails the whole file ("Unsupported Arrow type: Time64"). DMS writes MySQL TIME
    // as a UTF8 string, so only other writers produce this.
    return `Parquet TIME cannot be read by Databend (${describeColumn(column)})`;
  }
  if (converted === 'INTERVAL') {
    return `Parquet INTERVAL cannot be read by Databend (${describeColumn(column)})`;
  }
  if (logical === 'DECIMAL' || converted === 'DECIMAL') {
    return decimalType(column);
  }

  switch (column.physicalType) {
    case 'BOOLEAN':
      return plain({ kind: 'boolean' });
    case 'FLOAT':
      return plain({ kind: 'float' });
    case 'DOUBLE':
      return plain({ kind: 'double' });
    case 'INT96':
      return plain(TIMESTAMP);
    case 'INT32':
    case 'INT64':
      if (logical === 'DATE' || converted === 'DATE') return plain({ kind: 'date' });
      if (
        logical === 'TIMESTAMP' ||
        converted === 'TIMESTAMP_MILLIS' ||
        converted === 'TIMESTAMP_MICROS'
      ) {
        return plain(TIMESTAMP);
      }
      if (column.intType !== undefined) {
        return plain({
          kind: 'integer',
          bits: column.intType.bitWidth,
          signed: column.intType.isSigned,
        });
      }
      if (logical === undefined && converted === undefined) {
        return plain({
          kind: 'integer',
          bits: column.physicalType === 'INT32' ? 32 : 64,
          signed: true,
        });
      }
      return `unexpected annotation on an integer (${describeColumn(column)})`;
    case 'BYTE_ARRAY':
      if (logical === 'JSON' || converted === 'JSON')
        return { type: { kind: 'variant' }, textual: true };
      if (
        logical === 'STRING' ||
        logical === 'ENUM' ||
        converted === 'UTF8' ||
        converted === 'ENUM'
      ) {
        return { type: STRING, textual: true };
      }
      // BSON and unannotated bytes (BLOB, BINARY, BIT(n) with n > 1) stay bytes.
      if ((logical ?? converted) === undefined || logical === 'BSON' || converted === 'BSON') {
        return plain(BINARY);
      }
      return `unexpected annotation on bytes (${describeColumn(column)})`;
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === undefined && converted === undefined) return plain(BINARY);
      return `unexpected annotation on fixed-length bytes (${describeColumn(column)})`;
  }
}

function decimalType(column: ParquetColumn): { type: DatabendType; textual: false } | string {
  const { precision, scale = 0 } = column;
  if (precision === undefined || precision < 1 || scale < 0 || scale > precision) {
    return `invalid DECIMAL precision/scale (${describeColumn(column)})`;
  }
  if (precision > MAX_DECIMAL_PRECISION) {
    return `DECIMAL(${precision}, ${scale}) exceeds Databend's maximum precision of ${MAX_DECIMAL_PRECISION}`;
  }
  return { type: { kind: 'decimal', precision, scale }, textual: false };
}

function accept(
  column: ParquetColumn,
  databendType: DatabendType,
  loadExpression: (ref: string) => string,
): ColumnMapping {
  return { ok: true, column: { name: column.name, databendType, loadExpression } };
}

function reject(column: ParquetColumn, reason: string): ColumnMapping {
  return { ok: false, unsupported: { name: column.name, reason } };
}

/** e.g. "INT64 TIMESTAMP_MICROS", "FIXED_LEN_BYTE_ARRAY(5) DECIMAL(10,2)". */
export function describeColumn(column: ParquetColumn): string {
  const parts: string[] = [column.physicalType];
  if (column.typeLength !== undefined) parts[0] = `${column.physicalType}(${column.typeLength})`;
  const logical = column.logicalType;
  if (logical !== undefined) {
    if (logical.type === 'DECIMAL') parts.push(`DECIMAL(${logical.precision},${logical.scale})`);
    else if (logical.type === 'INTEGER')
      parts.push(`${logical.isSigned ? '' : 'U'}INT(${logical.bitWidth})`);
    else if (logical.type === 'TIME' || logical.type === 'TIMESTAMP')
      parts.push(`${logical.type}(${logical.unit})`);
    else parts.push(logical.type);
  } else if (column.convertedType !== undefined) {
    parts.push(
      column.convertedType === 'DECIMAL'
        ? `DECIMAL(${column.precision ?? '?'},${column.scale ?? 0})`
        : column.convertedType,
    );
  }
  if (column.repetition === 'REPEATED') parts.push('REPEATED');
  return parts.join(' ');
}
