/**
 * Key-range and key-list predicates on both sides. A chunk is the keys after the previous
 * chunk's last key up to and including its own last key, in primary-key order; with a
 * composite key that order is lexicographic, spelled out as ORs so that MySQL can use the
 * primary key's index for it. MySQL gets `?` placeholders bound by mysql2 (the source's own
 * escaping); Databend gets literals written by src/databend/quote.ts.
 */
import { quoteIdent, quoteString } from '../databend/quote.js';
import type { ColumnKind } from './normalise.js';

const mysqlIdent = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/** `(k1, k2, …) > (v1, v2, …)` (or `<=`) over `columns`, with `literal(i)` for value i. */
function lexicographic(
  columns: readonly string[],
  op: '>' | '<=',
  literal: (i: number) => string,
): string {
  const strict = op === '>' ? '>' : '<';
  const terms: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const equalPrefix = columns.slice(0, i).map((c, j) => `${c} = ${literal(j)}`);
    terms.push([...equalPrefix, `${columns[i]} ${strict} ${literal(i)}`].join(' AND '));
  }
  if (op === '<=') terms.push(columns.map((c, j) => `${c} = ${literal(j)}`).join(' AND '));
  return terms.map((t) => `(${t})`).join(' OR ');
}

/** MySQL: keys after `after` (placeholders; bind the key values in order, once per use). */
export function mysqlAfter(key: readonly string[]): { sql: string; bindOrder: number[] } {
  const bindOrder: number[] = [];
  const sql = lexicographic(key.map(mysqlIdent), '>', (i) => {
    bindOrder.push(i);
    return '?';
  });
  return { sql, bindOrder };
}

/** MySQL: rows whose key is one of `count` keys (placeholders, key values in order per key). */
export function mysqlKeyList(key: readonly string[], count: number): string {
  const one = `(${key.map((k) => `${mysqlIdent(k)} = ?`).join(' AND ')})`;
  return Array(count).fill(one).join(' OR ');
}

/** A Databend literal for a canonical value of the given kind (keys, and rows a repair writes). */
export function databendLiteral(kind: ColumnKind, value: string): string {
  switch (kind.kind) {
    case 'integer':
      if (!/^-?\d+$/.test(value)) throw new Error(`not an integer key value: ${value}`);
      return value;
    case 'decimal':
    case 'double':
    case 'float32':
      if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value))
        throw new Error(`not a numeric key value: ${value}`);
      return value;
    case 'flag':
      return value === '1' ? 'true' : 'false';
    case 'date':
      return `CAST(${quoteString(value)} AS DATE)`;
    case 'datetime':
      return `CAST(${quoteString(value)} AS TIMESTAMP)`;
    case 'bytes':
      return `FROM_HEX(${quoteString(value)})`;
    case 'json':
      return kind.variant ? `PARSE_JSON(${quoteString(value)})` : quoteString(value);
    case 'text':
      return quoteString(value);
  }
}

export interface KeyColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** Databend: keys in (after, upTo]; either bound may be absent (the table's start or end). */
export function databendRange(
  key: readonly KeyColumn[],
  after: readonly string[] | undefined,
  upTo: readonly string[] | undefined,
): string {
  const columns = key.map((k) => quoteIdent(k.name));
  const literal = (values: readonly string[]) => (i: number) =>
    databendLiteral(key[i]?.kind ?? { kind: 'text', scale: 0, variant: false }, values[i] ?? '');
  const parts: string[] = [];
  if (after !== undefined) parts.push(`(${lexicographic(columns, '>', literal(after))})`);
  if (upTo !== undefined) parts.push(`(${lexicographic(columns, '<=', literal(upTo))})`);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/** Databend: rows whose key is one of `keys` (canonical values, in key order). */
export function databendKeyList(
  key: readonly KeyColumn[],
  keys: readonly (readonly string[])[],
): string {
  if (keys.length === 0) return 'false';
  return keys
    .map(
      (values) =>
        `(${key
          .map((k, i) => `${quoteIdent(k.name)} = ${databendLiteral(k.kind, values[i] ?? '')}`)
          .join(' AND ')})`,
    )
    .join(' OR ');
}
