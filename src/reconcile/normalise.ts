/**
 * One canonical text per value, whichever side it came from, so a MySQL row and its ODS row
 * compare exactly. The kind of a column follows the type map the loader used for it (the ODS
 * column's Databend type), refined by the source type where DMS's Parquet hides a difference
 * (FLOAT widened to DOUBLE, JSON stored as text). Values arrive as mysql2 gives them (strings
 * for dates, decimals and big integers; Buffers for bytes and BIT) or as the text Databend
 * returns for `CAST(col AS STRING)`, `TO_HEX(col)` and a VARIANT's JSON.
 */

export type ValueKind =
  | 'integer'
  | 'flag'
  | 'decimal'
  | 'float32'
  | 'double'
  | 'date'
  | 'datetime'
  | 'json'
  | 'bytes'
  | 'text';

export interface ColumnKind {
  readonly kind: ValueKind;
  /** Fraction digits of a DECIMAL. */
  readonly scale: number;
  /** The ODS column is a VARIANT, read wrapped in a JSON array (odsSelectExpression). */
  readonly variant: boolean;
}

/**
 * The kind of a column from its ODS Databend type (as DESC prints it, e.g. `DECIMAL(12, 2)`,
 * `BIGINT UNSIGNED`) and its source types (information_schema DATA_TYPE, e.g. `float`, `json`).
 */
export function columnKind(odsType: string, sourceDataType: string): ColumnKind {
  const ods = odsType.toUpperCase().replace(/^NULLABLE\((.*)\)$/, '$1');
  const source = sourceDataType.toLowerCase();
  const decimal = /^DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(ods);
  if (decimal) return { kind: 'decimal', scale: Number(decimal[1]), variant: false };
  const plain = (kind: ValueKind): ColumnKind => ({ kind, scale: 0, variant: false });
  if (/^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|UINT|INT8|INT16|INT32|INT64)\b/.test(ods))
    return plain('integer');
  if (ods === 'BOOLEAN') return plain('flag');
  // DMS writes FLOAT as DOUBLE: the float32 value widened, which the source reads back rounded.
  if (ods === 'DOUBLE' || ods === 'FLOAT' || ods === 'FLOAT64' || ods === 'FLOAT32')
    return plain(source === 'float' ? 'float32' : 'double');
  if (ods === 'DATE') return plain('date');
  if (ods.startsWith('TIMESTAMP') || ods.startsWith('DATETIME')) return plain('datetime');
  if (ods === 'VARIANT' || ods.startsWith('JSON')) return { kind: 'json', scale: 0, variant: true };
  if (ods === 'BINARY' || ods === 'VARBINARY' || ods === 'BLOB') return plain('bytes');
  // MySQL reformats JSON text, so a JSON column kept as a STRING compares as JSON.
  if (source === 'json') return plain('json');
  return plain('text');
}

/** JSON text with object keys sorted and no spaces: equal documents, equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)?$/;

function decimal(text: string, scale: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) return text;
  const whole = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fraction = m[3] ?? '';
  // Extra digits that are not zeros are a real difference: keep the text as it is.
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) return text;
  const digits = scale > 0 ? `${whole}.${fraction.slice(0, scale).padEnd(scale, '0')}` : whole;
  return `${m[1] === '-' && /[1-9]/.test(digits) ? '-' : ''}${digits}`;
}

function number(text: string, toFloat32: boolean): string {
  const n = Number(text.trim());
  if (text.trim() === '' || Number.isNaN(n)) return text;
  return String(toFloat32 ? Math.fround(n) : n);
}

/** Canonical text of a value already turned into text (see fromSource, fromOds). */
export function canonical(kind: ColumnKind, text: string | null): string | null {
  if (text === null) return null;
  switch (kind.kind) {
    case 'integer':
      return /^[+-]?\d+$/.test(text.trim()) ? BigInt(text.trim()).toString() : text;
    case 'flag': {
      const t = text.trim().toLowerCase();
      return t === 'true' || t === '1' ? '1' : t === 'false' || t === '0' ? '0' : text;
    }
    case 'decimal':
      return decimal(text, kind.scale);
    case 'float32':
      return number(text, true);
    case 'double':
      return number(text, false);
    case 'date':
      return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : text;
    case 'datetime': {
      const m = DATETIME.exec(text.trim());
      return m ? `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}` : text;
    }
    case 'json':
      try {
        return stableJson(JSON.parse(text));
      } catch {
        return text;
      }
    case 'bytes':
      return text.toLowerCase();
    case 'text':
      return text;
  }
}

/** Canonical text of a value as mysql2 returns it. */
export function fromSource(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (kind.kind === 'bytes') return value.toString('hex');
    // BIT(n) arrives as bytes: its number.
    if (kind.kind === 'flag' || kind.kind === 'integer') {
      let n = 0n;
      for (const byte of value) n = (n << 8n) | BigInt(byte);
      return canonical(kind, n.toString());
    }
    return canonical(kind, value.toString('utf8'));
  }
  if (typeof value === 'string') return canonical(kind, value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return canonical(kind, String(value));
  if (value instanceof Date) return canonical(kind, value.toISOString());
  // JSON that the driver parsed.
  return kind.kind === 'json' ? stableJson(value) : canonical(kind, JSON.stringify(value));
}

/**
 * How ODS is read so that nothing is lost on the way: bytes as hex, a VARIANT inside a JSON
 * array (CAST(variant AS STRING) unquotes a top-level string and makes JSON null a SQL NULL),
 * everything else as text (64-bit integers and wide decimals stay exact).
 */
export function odsSelectExpression(kind: ColumnKind, quotedColumn: string): string {
  if (kind.kind === 'bytes') return `TO_HEX(${quotedColumn})`;
  if (kind.variant)
    return `CASE WHEN ${quotedColumn} IS NULL THEN NULL ELSE CAST(JSON_ARRAY(${quotedColumn}) AS STRING) END`;
  return `CAST(${quotedColumn} AS STRING)`;
}

/** Canonical text of a value read from ODS through odsSelectExpression. */
export function fromOds(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  if (kind.variant) {
    // The VARIANT came wrapped in an array (see odsSelectExpression).
    try {
      const parsed = JSON.parse(text) as unknown;
      return stableJson(Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed);
    } catch {
      return text;
    }
  }
  return canonical(kind, text);
}
