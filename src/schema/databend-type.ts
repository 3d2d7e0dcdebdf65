/**
 * The Databend column types this service creates, as values, with the spelling Databend itself
 * uses: `DESC <table>` and `system.columns.data_type` print exactly what `formatDatabendType`
 * writes (checked on Databend 1.2.895: `INT`, `BIGINT UNSIGNED`, `DECIMAL(10, 2)`, `VARCHAR`…),
 * so a type read back from the engine parses to the value it was created from.
 */

export type IntegerBits = 8 | 16 | 32 | 64;

/** Databend's widest DECIMAL ("Decimal precision must be between 1 and 76"). */
export const MAX_DECIMAL_PRECISION = 76;

export type DatabendType =
  | { readonly kind: 'integer'; readonly bits: IntegerBits; readonly signed: boolean }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'float' | 'double' | 'boolean' | 'string' | 'binary' | 'date' }
  | { readonly kind: 'timestamp' | 'variant' }
  /** A type this service never creates (e.g. made by hand); kept verbatim. */
  | { readonly kind: 'other'; readonly sql: string };

const INTEGER_NAMES: Readonly<Record<IntegerBits, string>> = {
  8: 'TINYINT',
  16: 'SMALLINT',
  32: 'INT',
  64: 'BIGINT',
};

const SIMPLE_NAMES = {
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
  binary: 'BINARY',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  variant: 'VARIANT',
} as const;

/** The type as SQL, without nullability (columns are declared NULL separately). */
export function formatDatabendType(type: DatabendType): string {
  switch (type.kind) {
    case 'integer':
      return `${INTEGER_NAMES[type.bits]}${type.signed ? '' : ' UNSIGNED'}`;
    case 'decimal':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'other':
      return type.sql;
    default:
      return SIMPLE_NAMES[type.kind];
  }
}

const INTEGER_BY_NAME: Readonly<Record<string, IntegerBits>> = {
  TINYINT: 8,
  SMALLINT: 16,
  INT: 32,
  INTEGER: 32,
  BIGINT: 64,
};

const SIMPLE_BY_NAME: Readonly<Record<string, DatabendType>> = {
  FLOAT: { kind: 'float' },
  DOUBLE: { kind: 'double' },
  BOOLEAN: { kind: 'boolean' },
  VARCHAR: { kind: 'string' },
  STRING: { kind: 'string' },
  TEXT: { kind: 'string' },
  BINARY: { kind: 'binary' },
  DATE: { kind: 'date' },
  TIMESTAMP: { kind: 'timestamp' },
  VARIANT: { kind: 'variant' },
  JSON: { kind: 'variant' },
};

/**
 * Parses a type as the engine prints it (`DESC`, `system.columns.data_type`). A `NULL`/`NOT NULL`
 * suffix or `Nullable(…)` wrapper is ignored; anything unknown comes back as kind `other`.
 */
export function parseDatabendType(sql: string): DatabendType {
  const text = sql
    .trim()
    .replace(/^Nullable\((.*)\)$/i, '$1')
    .replace(/\s+(NOT\s+)?NULL$/i, '')
    .trim();
  const upper = text.toUpperCase().replace(/\s+/g, ' ');

  const integer = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT)( UNSIGNED)?$/.exec(upper);
  if (integer !== null) {
    const bits = INTEGER_BY_NAME[integer[1] ?? ''];
    if (bits !== undefined) return { kind: 'integer', bits, signed: integer[2] === undefined };
  }
  const decimal = /^DECIMAL ?\( ?(\d+) ?, ?(\d+) ?\)$/.exec(upper);
  if (decimal !== null) {
    return { kind: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  }
  const varchar = /^(VARCHAR|CHAR|CHARACTER|STRING|TEXT)( ?\( ?\d+ ?\))?$/.exec(upper);
  if (varchar !== null) {
    // Databend parses a length and ignores it: every string is unbounded.
    return { kind: 'string' };
  }
  return SIMPLE_BY_NAME[upper] ?? { kind: 'other', sql: text };
}

export function sameDatabendType(a: DatabendType, b: DatabendType): boolean {
  return formatDatabendType(a) === formatDatabendType(b);
}
