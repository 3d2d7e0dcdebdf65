import {
  keyOf,
  qualifiedName,
  withAddedColumn,
  type ColumnDef,
  type Row,
  type Table,
} from '../model/table.js';
import type { Micros } from '../time.js';

export type Op = 'I' | 'U' | 'D';

/** One row change as committed at the source (a binlog row event). */
export interface SourceChange {
  /** `<schema>.<table>`. */
  readonly table: string;
  readonly op: Op;
  /** The after image for I/U, the before image for D (DMS writes D rows with it). */
  readonly row: Row;
  /** For U, the row before the change (its key may differ when the key was updated). */
  readonly before: Row | null;
  /** Real commit time; the binlog (and so DMS) only keeps its whole second. */
  readonly commitAt: Micros;
  /** Index of the transaction, in commit order. */
  readonly txn: number;
  /** Global row-event counter, the record id part of `$AR_H_CHANGE_SEQ`. */
  readonly eventNo: number;
}

/** A source `TRUNCATE TABLE`: its rows went without row events. */
export interface SourceTruncate {
  readonly table: string;
  readonly at: Micros;
}

export interface SourceDdl {
  readonly table: string;
  readonly at: Micros;
  readonly column: ColumnDef;
}

interface Version {
  readonly at: Micros;
  readonly row: Row | null;
}

/** A set with O(1) add, delete and pick-by-index, for drawing random keys. */
class IndexedSet {
  readonly items: string[] = [];
  readonly #index = new Map<string, number>();

  has(item: string): boolean {
    return this.#index.has(item);
  }

  add(item: string): void {
    if (this.#index.has(item)) return;
    this.#index.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: string): void {
    const index = this.#index.get(item);
    if (index === undefined) return;
    const last = this.items.pop() as string;
    if (last !== item) {
      this.items[index] = last;
      this.#index.set(last, index);
    }
    this.#index.delete(item);
  }
}

/** One table's current rows plus every version each key ever had. */
class TableState {
  table: Table;
  readonly rows = new Map<string, Row>();
  readonly live = new IndexedSet();
  readonly deleted = new IndexedSet();
  readonly history = new Map<string, Version[]>();
  readonly deletedRows = new Map<string, Row>();

  constructor(table: Table) {
    this.table = table;
  }

  put(key: string, row: Row | null, at: Micros): void {
    const versions = this.history.get(key) ?? [];
    versions.push({ at, row });
    this.history.set(key, versions);
    if (row === null) {
      const old = this.rows.get(key);
      if (old !== undefined) this.deletedRows.set(key, old);
      this.rows.delete(key);
      this.live.delete(key);
      this.deleted.add(key);
      return;
    }
    this.rows.set(key, row);
    this.live.add(key);
    this.deleted.delete(key);
    this.deletedRows.delete(key);
  }
}

/**
 * The simulated MySQL source: current rows per table (the truth), the history of every key
 * (so a full load can read each row as of the moment it reached it), and the change log.
 */
export class SourceDb {
  readonly #tables = new Map<string, TableState>();
  readonly #initial = new Map<string, Table>();
  readonly changes: SourceChange[] = [];
  readonly ddl: SourceDdl[] = [];
  readonly truncates: SourceTruncate[] = [];
  #eventNo = 0;

  constructor(tables: readonly Table[]) {
    for (const t of tables) {
      this.#tables.set(qualifiedName(t), new TableState(t));
      this.#initial.set(qualifiedName(t), t);
    }
  }

  #state(table: string): TableState {
    const state = this.#tables.get(table);
    if (state === undefined) throw new Error(`Unknown table ${table}`);
    return state;
  }

  tableNames(): string[] {
    return [...this.#tables.keys()];
  }

  table(name: string): Table {
    return this.#state(name).table;
  }

  /** Rows that existed before the task started; they reach the target only through a full load. */
  seed(table: string, row: Row, at: Micros): void {
    const state = this.#state(table);
    state.put(keyOf(state.table, row), row, at);
  }

  /** Applies one committed row change and records it. Rejects changes that MySQL would. */
  apply(
    table: string,
    change: { op: Op; row: Row; before?: Row },
    commitAt: Micros,
    txn: number,
  ): SourceChange {
    const state = this.#state(table);
    const key = keyOf(state.table, change.row);
    let before: Row | null = null;
    if (change.op === 'I') {
      if (state.rows.has(key)) throw new Error(`Duplicate key ${key} in ${table}`);
      state.put(key, change.row, commitAt);
    } else if (change.op === 'U') {
      const oldKey = keyOf(state.table, change.before ?? change.row);
      const old = state.rows.get(oldKey);
      if (old === undefined) throw new Error(`Update of missing key ${oldKey} in ${table}`);
      if (oldKey !== key) {
        if (state.rows.has(key)) throw new Error(`Duplicate key ${key} in ${table}`);
        state.put(oldKey, null, commitAt);
      }
      state.put(key, change.row, commitAt);
      before = old;
    } else {
      if (!state.rows.has(key)) throw new Error(`Delete of missing key ${key} in ${table}`);
      state.put(key, null, commitAt);
    }
    const recorded: SourceChange = {
      table,
      op: change.op,
      row: change.row,
      before,
      commitAt,
      txn,
      eventNo: ++this.#eventNo,
    };
    this.changes.push(recorded);
    return recorded;
  }

  addColumn(table: string, column: ColumnDef, at: Micros): void {
    const state = this.#state(table);
    state.table = withAddedColumn(state.table, column);
    this.ddl.push({ table, at, column });
  }

  /** `TRUNCATE TABLE`: every row deleted, none as a row change (the binlog holds a DDL). */
  truncate(table: string, at: Micros): void {
    const state = this.#state(table);
    for (const key of [...state.rows.keys()]) state.put(key, null, at);
    this.truncates.push({ table, at });
  }

  /** The table's definition as of time `at` (DDL committed at or before it applied). */
  tableAt(table: string, at: Micros): Table {
    let t = this.#initial.get(table);
    if (t === undefined) throw new Error(`Unknown table ${table}`);
    for (const d of this.ddl) {
      if (d.table === table && d.at <= at) t = withAddedColumn(t, d.column);
    }
    return t;
  }

  row(table: string, key: string): Row | undefined {
    return this.#state(table).rows.get(key);
  }

  liveKeys(table: string): readonly string[] {
    return this.#state(table).live.items;
  }

  /** Keys that existed once and are deleted now. */
  deletedKeys(table: string): readonly string[] {
    return this.#state(table).deleted.items;
  }

  /** The last row a now-deleted key had, to re-insert it with the same key columns. */
  deletedRow(table: string, key: string): Row | undefined {
    return this.#state(table).deletedRows.get(key);
  }

  /** Every key the table ever had. */
  allKeys(table: string): IterableIterator<string> {
    return this.#state(table).history.keys();
  }

  /** The row under `key` as of time `at` (changes committed at or before `at`), or null. */
  rowAt(table: string, key: string, at: Micros): Row | null {
    const versions = this.#state(table).history.get(key) ?? [];
    let found: Row | null = null;
    for (const v of versions) {
      if (v.at > at) break;
      found = v.row;
    }
    return found;
  }

  /** The current rows of a table, by key: the truth. */
  currentRows(table: string): ReadonlyMap<string, Row> {
    return this.#state(table).rows;
  }
}
