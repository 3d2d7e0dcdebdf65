import type { Rng } from '../random.js';
import { integerRange, randomValue } from '../model/values.js';
import type { Column, Row, Table } from '../model/table.js';

/** Probability that a nullable column gets NULL in a generated row or update. */
const NULL_PROBABILITY = 0.1;

/** Width of the last key column's cycle in composite keys: (1,1) (1,2) … (1,4) (2,1) … */
const COMPOSITE_CYCLE = 4;

function keyPart(table: Table, column: Column, value: number): string {
  const type = column.type;
  if (type.kind === 'text') return `k${String(value).padStart(Math.min(type.length, 9) - 1, '0')}`;
  if (type.kind !== 'integer')
    throw new Error(`Key column ${column.name} is not an integer or text`);
  const [, max] = integerRange(type.name, type.unsigned);
  if (BigInt(value) > max) {
    throw new Error(
      `Key counter ${value} overflows ${column.typeText} key ${table.name}.${column.name}`,
    );
  }
  return String(value);
}

/** The key columns of the n-th key (n ≥ 0) a table generates. */
export function keyColumns(table: Table, n: number): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = table.primaryKey;
  keys.forEach((name, i) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) throw new Error(`Key column ${name} missing from ${table.name}`);
    const last = i === keys.length - 1;
    const value =
      keys.length === 1
        ? n + 1
        : last
          ? (n % COMPOSITE_CYCLE) + 1
          : Math.floor(n / COMPOSITE_CYCLE) + 1;
    out[name] = keyPart(table, column, value);
  });
  return out;
}

function valueFor(rng: Rng, column: Column): string | null {
  if (column.nullable && rng.chance(NULL_PROBABILITY)) return null;
  return randomValue(rng, column.type);
}

/** A new row with the given key columns and random values elsewhere. */
export function newRow(rng: Rng, table: Table, key: Record<string, string>): Row {
  const row: Record<string, string | null> = {};
  for (const column of table.columns) {
    row[column.name] = key[column.name] ?? valueFor(rng, column);
  }
  return row;
}

/** The row after an UPDATE of one to three non-key columns (the same row if there are none). */
export function updatedRow(rng: Rng, table: Table, row: Row): Row {
  const candidates = table.columns.filter((c) => !table.primaryKey.includes(c.name));
  const out: Record<string, string | null> = {};
  for (const column of table.columns) out[column.name] = row[column.name] ?? null;
  if (candidates.length === 0) return out;
  for (let i = rng.int(1, 3); i > 0; i--) {
    const column = rng.pick(candidates);
    out[column.name] = valueFor(rng, column);
  }
  return out;
}

/**
 * The key of a row compared as MySQL's primary-key index orders it: integer parts numerically,
 * text parts by code point (our generated text keys are ASCII).
 */
export function compareKeys(table: Table, a: Row, b: Row): number {
  for (const name of table.primaryKey) {
    const x = a[name] ?? '';
    const y = b[name] ?? '';
    const column = table.columns.find((c) => c.name === name);
    if (column?.type.kind === 'integer') {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
