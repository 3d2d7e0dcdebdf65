import type { FileRow } from '../dms/files.js';
import type { Row, Table } from '../model/table.js';
import type { Micros } from '../time.js';
import { compareKeys } from './rows.js';
import type { SourceDb } from './source-db.js';

interface Entry {
  readonly key: string;
  readonly keyRow: Row;
}

/**
 * A full load reading one table in primary-key order, one row every `rowMicros`, while
 * transactions go on. It is not a consistent snapshot: a row changed before the scan reaches
 * it is read with the change, a key inserted ahead of the cursor is read, one inserted behind
 * it is not. DMS caches the changes made during the load and applies them afterwards, so the
 * full-load rows and the CDC stream overlap.
 */
export class FullLoadScan {
  readonly table: string;
  readonly start: Micros;
  readonly schema: Table;
  readonly rows: FileRow[] = [];
  /** When each of `rows` was read (its transfer time, whatever the timestamp column says). */
  readonly readTimes: Micros[] = [];
  readonly #db: SourceDb;
  readonly #rowMicros: Micros;
  readonly #fixedTimestamp: Micros | null;
  readonly #entries: Entry[];
  #cursor = 0;
  #readAt: Micros;

  /**
   * @param fixedTimestamp the timestamp every row carries
   *   (UseTaskStartTimeForFullLoadTimestamp), or null for each row's transfer time.
   */
  constructor(
    db: SourceDb,
    table: string,
    start: Micros,
    rowMicros: Micros,
    fixedTimestamp: Micros | null,
  ) {
    this.#db = db;
    this.table = table;
    this.start = start;
    this.schema = db.tableAt(table, start);
    this.#rowMicros = rowMicros;
    this.#fixedTimestamp = fixedTimestamp;
    this.#readAt = start + rowMicros;
    this.#entries = db.liveKeys(table).map((key) => this.#entry(key));
    this.#entries.sort((a, b) => compareKeys(this.schema, a.keyRow, b.keyRow));
  }

  #entry(key: string): Entry {
    const values = JSON.parse(key) as (string | null)[];
    const keyRow: Record<string, string | null> = {};
    this.schema.primaryKey.forEach((name, i) => {
      keyRow[name] = values[i] ?? null;
    });
    return { key, keyRow };
  }

  /** When the next row is read, or null when the scan is complete. */
  nextReadAt(): Micros | null {
    return this.#cursor < this.#entries.length ? this.#readAt : null;
  }

  /** The time the scan finished (or will, if no more keys appear). */
  endAt(): Micros {
    return this.#readAt;
  }

  /** Tells the scan a key was inserted; it is read if it lies ahead of the cursor. */
  noteInsertedKey(key: string): void {
    const entry = this.#entry(key);
    let lo = this.#cursor;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.schema, (this.#entries[mid] as Entry).keyRow, entry.keyRow);
      if (c === 0) return;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    const previous = this.#entries[lo - 1];
    if (lo === this.#cursor && previous !== undefined) {
      // Equal to the key just read means it is behind the cursor already.
      if (compareKeys(this.schema, previous.keyRow, entry.keyRow) >= 0) return;
    }
    this.#entries.splice(lo, 0, entry);
  }

  /** Reads the next key's current row, if it still exists. */
  readNext(): void {
    const entry = this.#entries[this.#cursor++];
    if (entry === undefined) return;
    const row = this.#db.row(this.table, entry.key);
    if (row !== undefined) {
      this.rows.push({
        op: 'I',
        timestamp: this.#fixedTimestamp ?? this.#readAt,
        changeSeq: null,
        row,
        beforeImage: null,
      });
      this.readTimes.push(this.#readAt);
    }
    this.#readAt += this.#rowMicros;
  }
}
