/**
 * Turns the Thrift-encoded FileMetaData of a Parquet footer into the file's top-level columns.
 * Decoding is parquetjs-lite's (its Thrift compact protocol and generated Parquet classes); this
 * module only checks what it decoded, because a corrupt footer can decode into nonsense.
 */

import parquetThrift from 'parquetjs-lite/gen-nodejs/parquet_types.js';
import parquetUtil from 'parquetjs-lite/lib/util.js';
import {
  CONVERTED_TYPES,
  PHYSICAL_TYPES,
  REPETITIONS,
  type IntegerWidth,
  type ParquetColumn,
  type ParquetLogicalType,
  type ParquetSchema,
  type ParquetTimeUnit,
} from './parquet-column.js';

type SchemaElement = NonNullable<InstanceType<typeof parquetThrift.FileMetaData>['schema']>[number];
type ThriftLogicalType = NonNullable<SchemaElement['logicalType']>;

/** Decodes a footer; throws an Error saying what is wrong when it is not a valid FileMetaData. */
export function decodeFileMetaData(footer: Buffer): ParquetSchema {
  const meta = new parquetThrift.FileMetaData();
  parquetUtil.decodeThrift(meta, footer);

  const elements = meta.schema;
  const root = elements?.[0];
  if (elements === null || root === undefined) {
    throw new Error('the footer has no schema');
  }
  const columns: ParquetColumn[] = [];
  let index = 1;
  for (let child = 0; child < count(root.num_children, 'root num_children'); child += 1) {
    const element = elements[index];
    if (element === undefined) {
      throw new Error(
        `the schema lists ${elements.length} elements but its root has more children`,
      );
    }
    columns.push(toColumn(element));
    index = endOfSubtree(elements, index);
  }
  if (index !== elements.length) {
    throw new Error(`the schema lists ${elements.length} elements but its tree holds ${index}`);
  }

  const rowCount = toRowCount(meta.num_rows);
  const createdBy = text(meta.created_by);
  return createdBy === undefined ? { columns, rowCount } : { columns, rowCount, createdBy };
}

/** Index just past the element at `start` and all its descendants (depth-first order). */
function endOfSubtree(elements: readonly SchemaElement[], start: number): number {
  let pending = 1;
  let index = start;
  while (pending > 0) {
    const element = elements[index];
    if (element === undefined) {
      throw new Error(`the schema ends inside the subtree of element ${start}`);
    }
    pending += count(element.num_children, 'num_children') - 1;
    index += 1;
  }
  return index;
}

function toColumn(element: SchemaElement): ParquetColumn {
  const name = text(element.name);
  if (name === undefined || name.length === 0) {
    throw new Error('a column has no name, or a name that is not valid UTF-8');
  }
  const isGroup = count(element.num_children, 'num_children') > 0;
  const physicalType = isGroup
    ? 'GROUP'
    : enumName(PHYSICAL_TYPES, element.type, `type of ${name}`);
  const repetition = enumName(REPETITIONS, element.repetition_type ?? 1, `repetition of ${name}`);
  const convertedType =
    element.converted_type === null
      ? undefined
      : enumName(CONVERTED_TYPES, element.converted_type, `converted type of ${name}`);
  const logicalType = toLogicalType(element.logicalType);

  const column: {
    -readonly [K in keyof ParquetColumn]: ParquetColumn[K];
  } = { name, physicalType, repetition };
  if (convertedType !== undefined) column.convertedType = convertedType;
  if (logicalType !== undefined) column.logicalType = logicalType;
  if (element.type_length !== null) column.typeLength = element.type_length;
  if (logicalType?.type === 'DECIMAL') {
    column.precision = logicalType.precision;
    column.scale = logicalType.scale;
  } else if (convertedType === 'DECIMAL') {
    if (element.precision === null) throw new Error(`DECIMAL column ${name} has no precision`);
    column.precision = element.precision;
    column.scale = element.scale ?? 0;
  }
  const intType = toIntType(logicalType, convertedType);
  if (intType !== undefined) column.intType = intType;
  return column;
}

function toLogicalType(logical: ThriftLogicalType | null): ParquetLogicalType | undefined {
  if (logical === null) return undefined;
  if (logical.STRING !== null) return { type: 'STRING' };
  if (logical.ENUM !== null) return { type: 'ENUM' };
  if (logical.JSON !== null) return { type: 'JSON' };
  if (logical.BSON !== null) return { type: 'BSON' };
  if (logical.DATE !== null) return { type: 'DATE' };
  if (logical.MAP !== null) return { type: 'MAP' };
  if (logical.LIST !== null) return { type: 'LIST' };
  if (logical.UNKNOWN !== null) return { type: 'NULL' };
  if (logical.DECIMAL !== null) {
    const { precision, scale } = logical.DECIMAL;
    if (precision === null) throw new Error('a DECIMAL logical type has no precision');
    return { type: 'DECIMAL', precision, scale: scale ?? 0 };
  }
  const time = logical.TIME ?? logical.TIMESTAMP;
  if (time !== null) {
    return {
      type: logical.TIME !== null ? 'TIME' : 'TIMESTAMP',
      unit: timeUnit(time.unit),
      isAdjustedToUTC: time.isAdjustedToUTC ?? false,
    };
  }
  if (logical.INTEGER !== null) {
    const { bitWidth, isSigned } = logical.INTEGER;
    if (bitWidth === null) throw new Error('an INTEGER logical type has no bit width');
    return { type: 'INTEGER', bitWidth, isSigned: isSigned ?? true };
  }
  // A union member this decoder skipped: a logical type added to the format after it.
  return { type: 'OTHER' };
}

/** parquetjs-lite's Thrift classes predate NANOS, the format's only other unit, and skip it. */
function timeUnit(unit: { MILLIS: object | null; MICROS: object | null } | null): ParquetTimeUnit {
  if (unit?.MILLIS != null) return 'MILLIS';
  if (unit?.MICROS != null) return 'MICROS';
  return 'NANOS';
}

const CONVERTED_INTS: Readonly<Partial<Record<string, [IntegerWidth, boolean]>>> = {
  INT_8: [8, true],
  INT_16: [16, true],
  INT_32: [32, true],
  INT_64: [64, true],
  UINT_8: [8, false],
  UINT_16: [16, false],
  UINT_32: [32, false],
  UINT_64: [64, false],
};

function toIntType(
  logical: ParquetLogicalType | undefined,
  converted: string | undefined,
): ParquetColumn['intType'] {
  if (logical?.type === 'INTEGER') {
    const { bitWidth, isSigned } = logical;
    if (bitWidth !== 8 && bitWidth !== 16 && bitWidth !== 32 && bitWidth !== 64) {
      throw new Error(`an INTEGER logical type has bit width ${bitWidth}`);
    }
    return { bitWidth, isSigned };
  }
  const annotated = converted === undefined ? undefined : CONVERTED_INTS[converted];
  return annotated === undefined ? undefined : { bitWidth: annotated[0], isSigned: annotated[1] };
}

function enumName<T>(names: readonly T[], value: number | null, what: string): T {
  const name = value === null ? undefined : names[value];
  if (name === undefined) {
    throw new Error(`unknown ${what}: ${String(value)}`);
  }
  return name;
}

function count(value: number | null, what: string): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`invalid ${what}: ${n}`);
  }
  return n;
}

function toRowCount(value: { toNumber(allowImprecise: boolean): number } | number | null): number {
  const rows = typeof value === 'number' ? value : value?.toNumber(false);
  if (rows === undefined || !Number.isSafeInteger(rows) || rows < 0) {
    throw new Error(`invalid row count: ${String(rows)}`);
  }
  return rows;
}

/** The patched Thrift transport returns a Buffer for strings that are not valid UTF-8. */
function text(value: string | Buffer | null): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
