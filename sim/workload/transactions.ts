import type { Rng } from '../random.js';
import { keyOf, type Row, type Table } from '../model/table.js';
import type { Micros } from '../time.js';
import { keyColumns, newRow, updatedRow } from './rows.js';
import type { SourceDb } from './source-db.js';

export interface TransactionMix {
  readonly maxStatementsPerTransaction: number;
  /** Generate UPDATEs that change a primary key (only visible to a target with before images). */
  readonly keyUpdates: boolean;
}

/** Keys recently touched per table: updates favour them, so one key changes often in a file. */
const HOT_KEYS = 6;

/**
 * Draws multi-statement transactions against the source: inserts of new keys and re-inserts
 * of deleted ones, updates (biased to a few hot keys), deletes, and now and then the same key
 * changed several times in one transaction.
 */
export class TransactionGenerator {
  readonly #db: SourceDb;
  readonly #rng: Rng;
  readonly #mix: TransactionMix;
  readonly #nextKey = new Map<string, number>();
  readonly #hot = new Map<string, string[]>();
  #txn = 0;

  constructor(db: SourceDb, rng: Rng, mix: TransactionMix, keysUsed: ReadonlyMap<string, number>) {
    this.#db = db;
    this.#rng = rng;
    this.#mix = mix;
    for (const [table, n] of keysUsed) this.#nextKey.set(table, n);
  }

  #freshKey(table: Table, name: string): Record<string, string> {
    const n = this.#nextKey.get(name) ?? 0;
    this.#nextKey.set(name, n + 1);
    return keyColumns(table, n);
  }

  #touch(name: string, key: string): void {
    const hot = this.#hot.get(name) ?? [];
    const i = hot.indexOf(key);
    if (i >= 0) hot.splice(i, 1);
    hot.push(key);
    if (hot.length > HOT_KEYS) hot.shift();
    this.#hot.set(name, hot);
  }

  #insert(name: string, at: Micros, txn: number): string {
    const table = this.#db.table(name);
    const deleted = this.#db.deletedKeys(name);
    let key: Record<string, string>;
    const reinsert = deleted.length > 0 && this.#rng.chance(0.25);
    if (reinsert) {
      const old = this.#db.deletedRow(name, this.#rng.pick(deleted)) ?? {};
      key = Object.fromEntries(table.primaryKey.map((k) => [k, old[k] ?? '']));
    } else {
      key = this.#freshKey(table, name);
    }
    const row = newRow(this.#rng, table, key);
    this.#db.apply(name, { op: 'I', row }, at, txn);
    return keyOf(table, row);
  }

  #update(name: string, key: string, at: Micros, txn: number): string {
    const table = this.#db.table(name);
    const before = this.#db.row(name, key);
    if (before === undefined) throw new Error(`Hot key ${key} vanished from ${name}`);
    let row: Row = updatedRow(this.#rng, table, before);
    if (this.#mix.keyUpdates && this.#rng.chance(0.05)) {
      row = { ...row, ...this.#freshKey(table, name) };
    }
    this.#db.apply(name, { op: 'U', row, before }, at, txn);
    return keyOf(table, row);
  }

  #delete(name: string, key: string, at: Micros, txn: number): void {
    const row = this.#db.row(name, key);
    if (row === undefined) throw new Error(`Key ${key} vanished from ${name}`);
    this.#db.apply(name, { op: 'D', row }, at, txn);
  }

  #pickKey(name: string): string | null {
    const live = this.#db.liveKeys(name);
    if (live.length === 0) return null;
    const hot = (this.#hot.get(name) ?? []).filter((k) => this.#db.row(name, k) !== undefined);
    if (hot.length > 0 && this.#rng.chance(0.4)) return this.#rng.pick(hot);
    return this.#rng.pick(live);
  }

  /** Draws and commits one random transaction at `at`. */
  randomTransaction(at: Micros): void {
    const txn = this.#txn++;
    const tables = this.#db.tableNames();
    let previous: { table: string; key: string } | null = null;
    for (let i = this.#rng.int(1, this.#mix.maxStatementsPerTransaction); i > 0; i--) {
      // Sometimes keep working on the key the previous statement touched.
      let name: string;
      let key: string | null;
      if (previous !== null && this.#rng.chance(0.2)) {
        ({ table: name, key } = previous);
      } else {
        name = this.#rng.pick(tables);
        key = this.#pickKey(name);
      }
      const roll = this.#rng.int(0, 99);
      if (key === null || this.#db.row(name, key) === undefined || roll < 35) {
        previous = { table: name, key: this.#insert(name, at, txn) };
      } else if (roll < 80) {
        previous = { table: name, key: this.#update(name, key, at, txn) };
      } else {
        this.#delete(name, key, at, txn);
        previous = null;
      }
      if (previous !== null) this.#touch(previous.table, previous.key);
    }
  }

  /** One transaction that inserts a new key, updates it twice and deletes it (ties in a file). */
  insertUpdateDelete(name: string, at: Micros): void {
    const txn = this.#txn++;
    const key = this.#insert(name, at, txn);
    const afterFirst = this.#update(name, key, at, txn);
    const afterSecond = this.#update(name, afterFirst, at, txn);
    this.#delete(name, afterSecond, at, txn);
  }

  /** Deletes an existing key now; returns it so a later transaction can re-insert it. */
  deleteOne(name: string, at: Micros): Row | null {
    const key = this.#pickKey(name);
    if (key === null) return null;
    const row = this.#db.row(name, key) ?? null;
    const txn = this.#txn++;
    this.#delete(name, key, at, txn);
    return row;
  }

  /** Re-inserts a deleted key with new values. */
  reinsert(name: string, old: Row, at: Micros): void {
    const table = this.#db.table(name);
    const key = Object.fromEntries(table.primaryKey.map((k) => [k, old[k] ?? '']));
    if (this.#db.row(name, keyOf(table, old)) !== undefined) return;
    const txn = this.#txn++;
    this.#db.apply(name, { op: 'I', row: newRow(this.#rng, table, key) }, at, txn);
  }

  /** Updates one key in its own transaction (hot-key churn). */
  updateOne(name: string, at: Micros): void {
    const key = this.#pickKey(name);
    if (key === null) return;
    const txn = this.#txn++;
    this.#touch(name, this.#update(name, key, at, txn));
  }

  /** Keys generated so far per table, to continue the counters after this generator. */
  keysUsed(): ReadonlyMap<string, number> {
    return this.#nextKey;
  }
}
