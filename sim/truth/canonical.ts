import type { MysqlType } from '../model/mysql-type.js';
import { stableJson } from '../model/values.js';

/**
 * Canonical string forms, one per MySQL type. The simulator's truth holds values in these
 * forms; a value read from Databend (every column CAST to STRING, BLOBs through TO_HEX) is
 * brought to the same form before comparing, so the comparison does not depend on how the
 * type map chose to store a type, only on the value surviving.
 *
 * | MySQL type                         | canonical form                                       |
 * |------------------------------------|------------------------------------------------------|
 * | TINYINT…BIGINT [UNSIGNED], YEAR    | decimal digits, `-` for negatives: `-128`, `18446744073709551615` |
 * | TINYINT(1) / BOOL, BIT(1)          | `1` or `0` (Databend `true`/`false` count as 1/0)    |
 * | DECIMAL(p,s)                       | exactly s fraction digits, no `+`, `0.50`, `-12.3400` |
 * | FLOAT, DOUBLE                      | JavaScript's shortest round-trip form of the double (compared as numbers) |
 * | DATE                               | `YYYY-MM-DD`                                          |
 * | DATETIME(fsp), TIMESTAMP(fsp)      | `YYYY-MM-DD HH:MM:SS.ffffff` (6 digits, UTC wall clock) |
 * | TIME(fsp)                          | MySQL's text, `HH:MM:SS[.f…]`, may be negative or > 24h |
 * | CHAR, VARCHAR, *TEXT, ENUM         | the text itself                                      |
 * | SET                                | members comma-joined in definition order             |
 * | JSON                               | JSON text with object keys sorted, no spaces         |
 * | BINARY, VARBINARY, *BLOB, BIT(n>1) | lower-case hex of the bytes                          |
 */

const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)?$/;

function canonicalDecimal(text: string, scale: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) return text;
  const intPart = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] ?? '';
  // Extra fraction digits must be zeros; anything else is a real difference, kept visible.
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) return text;
  const fixed = frac.slice(0, scale).padEnd(scale, '0');
  const digits = scale > 0 ? `${intPart}.${fixed}` : intPart;
  const negative = m[1] === '-' && /[1-9]/.test(digits);
  return `${negative ? '-' : ''}${digits}`;
}

function canonicalInteger(text: string): string {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? BigInt(t).toString() : text;
}

function canonicalFlag(text: string): string {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return '1';
  if (t === 'false' || t === '0') return '0';
  return text;
}

function canonicalDateTime(text: string): string {
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return text;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}`;
}

function canonicalNumber(text: string): string {
  const n = Number(text.trim());
  return text.trim() === '' || Number.isNaN(n) ? text : String(n);
}

/** Brings a value read from Databend (as a string) to the canonical form of its MySQL type. */
export function canonicalFromDatabend(type: MysqlType, text: string | null): string | null {
  if (text === null) return null;
  switch (type.kind) {
    case 'integer':
    case 'year':
      return canonicalInteger(text);
    case 'tinyint1':
      return canonicalFlag(text);
    case 'bit':
      return type.width === 1 ? canonicalFlag(text) : text.toLowerCase();
    case 'binary':
      return text.toLowerCase();
    case 'decimal':
      return canonicalDecimal(text, type.scale);
    case 'float':
    case 'double':
      return canonicalNumber(text);
    case 'date':
      return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : text;
    case 'datetime':
    case 'timestamp':
      return canonicalDateTime(text);
    case 'json':
      try {
        return stableJson(JSON.parse(text));
      } catch {
        return text;
      }
    case 'time':
    case 'text':
    case 'enum':
    case 'set':
      return text;
  }
}

/**
 * The canonical value a faithful pipeline delivers for a source value: the value itself,
 * except that DATETIME/TIMESTAMP lose their last three digits when DMS writes milliseconds.
 */
export function expectedCanonical(
  type: MysqlType,
  value: string | null,
  timestampUnit: 'micros' | 'millis',
): string | null {
  if (value === null) return null;
  if ((type.kind === 'datetime' || type.kind === 'timestamp') && timestampUnit === 'millis') {
    return `${value.slice(0, 23)}000`;
  }
  return value;
}
