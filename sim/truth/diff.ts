import { keyOf, type Row, type Table } from '../model/table.js';
import { canonicalFromDatabend, expectedCanonical } from './canonical.js';
import type { TableTruth } from './truth.js';

export interface ValueMismatch {
  readonly key: string;
  readonly column: string;
  readonly expected: string | null;
  readonly actual: string | null;
}

/** The difference between the truth of one table and what a target holds. */
export interface TableDiff {
  readonly table: string;
  readonly equal: boolean;
  readonly expectedRows: number;
  readonly actualRows: number;
  /** Keys in the truth that the target lacks (or holds as deleted). */
  readonly missing: readonly string[];
  /** Live keys in the target that the truth does not have. */
  readonly extra: readonly string[];
  readonly mismatches: readonly ValueMismatch[];
  /** A few lines a person can read; empty when equal. */
  readonly report: string;
}

export interface DiffOptions {
  /** Unit DMS wrote DATETIME/TIMESTAMP in (ParquetTimestampInMillisecond). Default micros. */
  readonly timestampUnit?: 'micros' | 'millis';
  /** How many entries of each kind the report lists (default 10). */
  readonly maxReportEntries?: number;
}

/**
 * Compares the truth with rows read from a target (values as Databend strings, already keyed
 * by column name). Actual values are canonicalised per MySQL type; expected values account for
 * what DMS itself loses (timestamps in milliseconds).
 */
export function diffRows(
  truth: TableTruth,
  actualRows: readonly Row[],
  options: DiffOptions = {},
): TableDiff {
  const table = truth.table;
  const unit = options.timestampUnit ?? 'micros';
  const max = options.maxReportEntries ?? 10;
  const actual = new Map<string, Row>();
  const duplicates: string[] = [];
  for (const raw of actualRows) {
    const row = canonicalRow(table, raw);
    const key = keyOf(table, row);
    if (actual.has(key)) duplicates.push(key);
    actual.set(key, row);
  }
  const missing: string[] = [];
  const mismatches: ValueMismatch[] = [];
  for (const [key, expectedRow] of truth.rows) {
    const got = actual.get(key);
    if (got === undefined) {
      missing.push(key);
      continue;
    }
    for (const column of table.columns) {
      const expected = expectedCanonical(column.type, expectedRow[column.name] ?? null, unit);
      const value = got[column.name] ?? null;
      if (!sameValue(column.type.kind, expected, value)) {
        mismatches.push({ key, column: column.name, expected, actual: value });
      }
    }
  }
  const extra = [...actual.keys()].filter((key) => !truth.rows.has(key));
  const equal =
    missing.length === 0 &&
    extra.length === 0 &&
    mismatches.length === 0 &&
    duplicates.length === 0;
  const lines: string[] = [];
  if (!equal) {
    const name = `${table.schema}.${table.name}`;
    lines.push(
      `${name}: expected ${truth.rows.size} live rows, found ${actualRows.length}; ` +
        `${missing.length} missing, ${extra.length} extra, ${mismatches.length} values differ` +
        (duplicates.length > 0 ? `, ${duplicates.length} keys twice` : ''),
    );
    for (const key of missing.slice(0, max)) lines.push(`  missing key ${key}`);
    for (const key of extra.slice(0, max)) lines.push(`  extra key ${key}`);
    for (const key of duplicates.slice(0, max)) lines.push(`  key twice ${key}`);
    for (const m of mismatches.slice(0, max)) {
      lines.push(
        `  key ${m.key} column ${m.column}: expected ${JSON.stringify(m.expected)}, ` +
          `got ${JSON.stringify(m.actual)}`,
      );
    }
  }
  return {
    table: `${table.schema}.${table.name}`,
    equal,
    expectedRows: truth.rows.size,
    actualRows: actualRows.length,
    missing,
    extra,
    mismatches,
    report: lines.join('\n'),
  };
}

function canonicalRow(table: Table, raw: Row): Row {
  const out: Record<string, string | null> = {};
  for (const column of table.columns) {
    out[column.name] = canonicalFromDatabend(column.type, raw[column.name] ?? null);
  }
  return out;
}

function sameValue(kind: string, expected: string | null, actual: string | null): boolean {
  if (expected === null || actual === null) return expected === actual;
  if (kind === 'float' || kind === 'double') return Number(expected) === Number(actual);
  return expected === actual;
}
