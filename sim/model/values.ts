import type { Rng } from '../random.js';
import { bitBytes, type IntegerName, type MysqlType } from './mysql-type.js';

/**
 * Random values in canonical form (the strings documented in sim/README.md), biased towards
 * the edges that break pipelines: extreme integers, unsigned 64-bit values beyond 2^63,
 * DECIMALs with all digits used, non-ASCII text, quotes and commas, empty strings.
 */

const INTEGER_BITS: Record<IntegerName, number> = {
  tinyint: 8,
  smallint: 16,
  mediumint: 24,
  int: 32,
  bigint: 64,
};

export function integerRange(name: IntegerName, unsigned: boolean): [bigint, bigint] {
  const bits = BigInt(INTEGER_BITS[name]);
  if (unsigned) return [0n, (1n << bits) - 1n];
  return [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

const WORDS = [
  'alpha',
  'Ünïcödé',
  '日本語',
  'emoji 🚀',
  "it's",
  'comma, inside',
  'quote "double"',
  'back\\slash',
  'tab\there',
  'line\nbreak',
  'naïve café',
  'Ωmega',
  '',
  'plain',
  'x',
];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function randomText(rng: Rng, maxLength: number): string {
  if (maxLength <= 0) return '';
  const parts: string[] = [];
  const target = rng.int(0, Math.min(maxLength, 40));
  let length = 0;
  while (length < target) {
    const word = rng.pick(WORDS);
    parts.push(word);
    length += [...word].length + 1;
  }
  // Truncate by code points so a surrogate pair is never split.
  return [...parts.join(' ')].slice(0, maxLength).join('');
}

function randomHex(rng: Rng, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += hexByte(rng.int(0, 255));
  return out;
}

function hexByte(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function randomInteger(rng: Rng, name: IntegerName, unsigned: boolean): string {
  const [min, max] = integerRange(name, unsigned);
  if (rng.chance(0.05)) return String(rng.pick([min, max]));
  const small = rng.chance(0.7);
  const lo = small && min < -1000n ? -1000n : min;
  const hi = small && max > 1000n ? 1000n : max;
  return String(rng.bigint(lo, hi));
}

function randomDecimal(rng: Rng, precision: number, scale: number, unsigned: boolean): string {
  const intDigits = precision - scale;
  const allNines = rng.chance(0.05);
  const digits = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += allNines ? '9' : String(rng.int(0, 9));
    return s;
  };
  const usedInt = allNines ? intDigits : rng.int(0, intDigits);
  const intPart = usedInt === 0 ? '0' : digits(usedInt).replace(/^0+(?=\d)/, '');
  const fracPart = scale > 0 ? `.${digits(scale)}` : '';
  const negative = !unsigned && rng.chance(0.3) && /[1-9]/.test(intPart + fracPart);
  return `${negative ? '-' : ''}${intPart}${fracPart}`;
}

/** A date between 1970 and 2037 as `YYYY-MM-DD` (days 1..28 keep every month valid). */
function randomDate(rng: Rng): string {
  return `${rng.int(1970, 2037)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` with only `fsp` significant fraction digits. */
function randomDateTime(rng: Rng, fsp: number, fromYear: number, toYear: number): string {
  const frac = fsp === 0 ? 0 : rng.int(0, 10 ** fsp - 1) * 10 ** (6 - fsp);
  const date = `${rng.int(fromYear, toYear)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
  const time = `${pad(rng.int(0, 23), 2)}:${pad(rng.int(0, 59), 2)}:${pad(rng.int(0, 59), 2)}`;
  return `${date} ${time}.${pad(frac, 6)}`;
}

function randomTime(rng: Rng, fsp: number): string {
  // MySQL TIME spans -838:59:59..838:59:59 (it is also a duration), and DMS writes it as text.
  const hours = rng.chance(0.1) ? rng.pick([-838, -1, 100, 838]) : rng.int(0, 23);
  const sign = hours < 0 ? '-' : '';
  const base = `${sign}${pad(Math.abs(hours), 2)}:${pad(rng.int(0, 59), 2)}:${pad(rng.int(0, 59), 2)}`;
  return fsp === 0 ? base : `${base}.${pad(rng.int(0, 10 ** fsp - 1), fsp)}`;
}

function randomJson(rng: Rng, depth = 0): unknown {
  const kind = depth > 1 ? rng.int(0, 3) : rng.int(0, 5);
  switch (kind) {
    case 0:
      return rng.int(-1_000_000, 1_000_000);
    case 1:
      return rng.int(-100_000, 100_000) / 4;
    case 2:
      return randomText(rng, 20);
    case 3:
      return rng.pick([true, false, null]);
    case 4:
      return Array.from({ length: rng.int(0, 3) }, () => randomJson(rng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--)
        out[rng.pick(['id', 'b', 'a', 'name', 'ü', 'n m'])] = randomJson(rng, depth + 1);
      return out;
    }
  }
}

/** JSON text with object keys sorted, so equal documents have equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A random non-null value of the type, in canonical form. */
export function randomValue(rng: Rng, type: MysqlType): string {
  switch (type.kind) {
    case 'integer':
      return randomInteger(rng, type.name, type.unsigned);
    case 'tinyint1':
      return rng.pick(['0', '1']);
    case 'bit':
      return type.width === 1 ? rng.pick(['0', '1']) : randomHex(rng, bitBytes(type.width));
    case 'decimal':
      return randomDecimal(rng, type.precision, type.scale, type.unsigned);
    case 'float':
      // Quarters are exact in float32 and float64 alike, so the value survives any hop.
      return String(rng.int(-4_000_000, 4_000_000) / 4);
    case 'double':
      return String(rng.int(-1_000_000_000, 1_000_000_000) / 100);
    case 'date':
      return randomDate(rng);
    case 'datetime':
      return randomDateTime(rng, type.fsp, 1990, 2035);
    case 'timestamp':
      // MySQL TIMESTAMP ends in January 2038.
      return randomDateTime(rng, type.fsp, 1971, 2037);
    case 'time':
      return randomTime(rng, type.fsp);
    case 'year':
      return String(rng.int(1901, 2155));
    case 'text':
      // MySQL strips trailing spaces from CHAR values when they are read.
      return type.name === 'char'
        ? randomText(rng, Math.min(type.length, 30)).replace(/ +$/, '')
        : randomText(rng, type.length);
    case 'enum':
      return rng.pick(type.values);
    case 'set':
      return type.values.filter(() => rng.chance(0.4)).join(',');
    case 'json':
      return stableJson(randomJson(rng));
    case 'binary': {
      const length = type.name === 'binary' ? type.length : rng.int(0, Math.min(type.length, 64));
      return randomHex(rng, length);
    }
  }
}
