/**
 * MySQL column types the simulated source supports, parsed from their SQL spelling
 * (`'decimal(40,10) unsigned'`, `"enum('a','b')"`, `'tinyint(1)'`…).
 */
export type IntegerName = 'tinyint' | 'smallint' | 'mediumint' | 'int' | 'bigint';
export type TextName = 'char' | 'varchar' | 'tinytext' | 'text' | 'mediumtext' | 'longtext';
export type BinaryName = 'binary' | 'varbinary' | 'tinyblob' | 'blob' | 'mediumblob' | 'longblob';

export type MysqlType =
  | { readonly kind: 'integer'; readonly name: IntegerName; readonly unsigned: boolean }
  /** TINYINT(1), MySQL's BOOL: DMS writes it as any TINYINT (an 8-bit integer). */
  | { readonly kind: 'tinyint1' }
  | {
      readonly kind: 'decimal';
      readonly precision: number;
      readonly scale: number;
      readonly unsigned: boolean;
    }
  | { readonly kind: 'float' }
  | { readonly kind: 'double' }
  | { readonly kind: 'date' }
  | { readonly kind: 'datetime'; readonly fsp: number }
  | { readonly kind: 'timestamp'; readonly fsp: number }
  | { readonly kind: 'time'; readonly fsp: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'text'; readonly name: TextName; readonly length: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'set'; readonly values: readonly string[] }
  | { readonly kind: 'json' }
  | { readonly kind: 'binary'; readonly name: BinaryName; readonly length: number }
  | { readonly kind: 'bit'; readonly width: number };

const INTEGER_NAMES: Record<string, IntegerName> = {
  tinyint: 'tinyint',
  smallint: 'smallint',
  mediumint: 'mediumint',
  int: 'int',
  integer: 'int',
  bigint: 'bigint',
};

/** Default maximum lengths in characters/bytes, used only to size generated values. */
const TEXT_LENGTHS: Record<TextName, number> = {
  char: 1,
  varchar: 255,
  tinytext: 255,
  text: 2000,
  mediumtext: 4000,
  longtext: 8000,
};
const BINARY_LENGTHS: Record<BinaryName, number> = {
  binary: 1,
  varbinary: 255,
  tinyblob: 255,
  blob: 2000,
  mediumblob: 4000,
  longblob: 8000,
};

function isTextName(name: string): name is TextName {
  return name in TEXT_LENGTHS;
}
function isBinaryName(name: string): name is BinaryName {
  return name in BINARY_LENGTHS;
}

/** Splits `'a','b,c','it''s'` into its quoted items. */
function parseQuotedList(args: string, typeText: string): string[] {
  const values: string[] = [];
  const re = /\s*'((?:[^']|'')*)'\s*(,|$)/y;
  let pos = 0;
  while (pos < args.length) {
    re.lastIndex = pos;
    const m = re.exec(args);
    if (!m) throw new Error(`Cannot read the value list of MySQL type ${typeText}`);
    values.push((m[1] ?? '').replace(/''/g, "'"));
    pos = re.lastIndex;
  }
  if (values.length === 0) throw new Error(`MySQL type ${typeText} needs at least one value`);
  return values;
}

function numbers(args: string | undefined, typeText: string): number[] {
  if (args === undefined || args.trim() === '') return [];
  return args.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 0) throw new Error(`Bad length in MySQL type ${typeText}`);
    return n;
  });
}

function fsp(args: string | undefined, typeText: string): number {
  const [value = 0] = numbers(args, typeText);
  if (value > 6) throw new Error(`Fractional seconds above 6 in MySQL type ${typeText}`);
  return value;
}

/** Parses a MySQL column type as written in CREATE TABLE. Throws on anything unsupported. */
export function parseMysqlType(typeText: string): MysqlType {
  const m = /^\s*([a-z]+)\s*(?:\((.*)\))?\s*((?:unsigned|signed|zerofill|\s)*)$/is.exec(typeText);
  if (!m) throw new Error(`Cannot parse MySQL type ${JSON.stringify(typeText)}`);
  const name = (m[1] ?? '').toLowerCase();
  const args = m[2];
  const unsigned = /unsigned|zerofill/i.test(m[3] ?? '');
  const integer = INTEGER_NAMES[name];
  if (integer !== undefined) {
    const [display] = numbers(args, typeText);
    if (integer === 'tinyint' && display === 1 && !unsigned) return { kind: 'tinyint1' };
    return { kind: 'integer', name: integer, unsigned };
  }
  if (name === 'bool' || name === 'boolean') return { kind: 'tinyint1' };
  if (name === 'decimal' || name === 'numeric' || name === 'dec' || name === 'fixed') {
    const [precision = 10, scale = 0] = numbers(args, typeText);
    if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
      throw new Error(`DECIMAL precision/scale out of MySQL's range in ${typeText}`);
    }
    return { kind: 'decimal', precision, scale, unsigned };
  }
  if (name === 'float') return { kind: 'float' };
  if (name === 'double' || name === 'real') return { kind: 'double' };
  if (name === 'date') return { kind: 'date' };
  if (name === 'datetime') return { kind: 'datetime', fsp: fsp(args, typeText) };
  if (name === 'timestamp') return { kind: 'timestamp', fsp: fsp(args, typeText) };
  if (name === 'time') return { kind: 'time', fsp: fsp(args, typeText) };
  if (name === 'year') return { kind: 'year' };
  if (name === 'json') return { kind: 'json' };
  if (name === 'enum' || name === 'set') {
    return { kind: name, values: parseQuotedList(args ?? '', typeText) };
  }
  if (name === 'bit') {
    const [width = 1] = numbers(args, typeText);
    if (width < 1 || width > 64) throw new Error(`BIT width out of range in ${typeText}`);
    return { kind: 'bit', width };
  }
  if (isTextName(name)) {
    const [length = TEXT_LENGTHS[name]] = numbers(args, typeText);
    return { kind: 'text', name, length };
  }
  if (isBinaryName(name)) {
    const [length = BINARY_LENGTHS[name]] = numbers(args, typeText);
    return { kind: 'binary', name, length };
  }
  throw new Error(`Unsupported MySQL type ${JSON.stringify(typeText)}`);
}

/** The number of bytes a BIT(n) value occupies. */
export function bitBytes(width: number): number {
  return Math.ceil(width / 8);
}
