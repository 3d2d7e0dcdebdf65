// A steady CDC stream as DMS writes it, with exact control over what the benchmarks vary: files
// per table, rows per file and the mix of inserts, updates and deletes. The simulator's own
// workload is transaction-driven (its file sizes follow from rates); here the file is the unit.
// Deterministic for a seed; the truth is the source state the stream leaves behind.
import { fileColumns } from '../../sim/dms/file-columns.js';
import type { DmsFile, FileRow } from '../../sim/dms/files.js';
import {
  cdcFileName,
  formatDmsTimestamp,
  keyOf,
  objectKey,
  qualifiedName,
  resolveDmsSettings,
  type DmsSettings,
  type Row,
  type Table,
  type Truth,
} from '../../sim/index.js';
import { Rng } from '../../sim/random.js';

export interface CdcStreamOptions {
  readonly seed: number;
  readonly tables: readonly Table[];
  readonly filesPerTable: number;
  readonly minRowsPerFile: number;
  readonly maxRowsPerFile: number;
  /** Fractions of change rows that update or delete an existing row; the rest insert. */
  readonly updateFraction: number;
  readonly deleteFraction: number;
  /** Creation time of the first file, ms since the epoch (names files; DMS names by creation time). */
  readonly firstFileAtMs: number;
  /** Time between two files of one table; the tables' files are staggered within it. */
  readonly fileIntervalMs: number;
  /** The first inserted key (default 1): above the keys a table already holds. */
  readonly firstKey?: number;
}

/** A generated file, with when it is due relative to the first file. */
export interface StreamFile {
  readonly file: DmsFile;
  readonly dueMs: number;
}

const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

interface TableState {
  readonly table: Table;
  readonly rows: Map<string, Row>;
  /** Live keys, for drawing a row to update or delete in O(1). */
  readonly keys: string[];
  readonly keyIndex: Map<string, number>;
  nextId: number;
}

export function checkStreamOptions(o: CdcStreamOptions): void {
  const fail = (message: string): never => {
    throw new Error(`workload: ${message}`);
  };
  if (o.tables.length === 0) fail('at least one table');
  if (!Number.isInteger(o.filesPerTable) || o.filesPerTable < 1) fail('files per table ≥ 1');
  if (!Number.isInteger(o.minRowsPerFile) || o.minRowsPerFile < 1) fail('rows per file ≥ 1');
  if (!Number.isInteger(o.maxRowsPerFile) || o.maxRowsPerFile < o.minRowsPerFile)
    fail('max rows per file ≥ min rows per file');
  if (o.updateFraction < 0 || o.deleteFraction < 0 || o.updateFraction + o.deleteFraction > 1)
    fail('update and delete fractions are ≥ 0 and add up to at most 1');
  if (!(o.fileIntervalMs >= 1))
    fail('file interval ≥ 1 ms (file names have millisecond resolution)');
}

export class CdcStream {
  readonly settings: DmsSettings = resolveDmsSettings({});
  private readonly rng: Rng;
  private readonly states: TableState[];
  private generated = false;
  rowCount = 0;

  constructor(private readonly options: CdcStreamOptions) {
    checkStreamOptions(options);
    this.rng = new Rng(options.seed);
    this.states = options.tables.map((table) => ({
      table,
      rows: new Map(),
      keys: [],
      keyIndex: new Map(),
      nextId: options.firstKey ?? 1,
    }));
  }

  /** Every file in creation order: round by round, each table's file staggered in the round. */
  *files(): Generator<StreamFile> {
    if (this.generated) throw new Error('a CdcStream is generated once');
    this.generated = true;
    const { filesPerTable, fileIntervalMs, firstFileAtMs } = this.options;
    const stagger = fileIntervalMs / this.states.length;
    let id = 0;
    for (let round = 0; round < filesPerTable; round++) {
      for (const [t, state] of this.states.entries()) {
        const dueMs = Math.round(round * fileIntervalMs + t * stagger);
        yield { file: this.file(id++, state, (firstFileAtMs + dueMs) * 1000), dueMs };
      }
    }
  }

  /** The source state after every generated file; call after `files()` is exhausted. */
  truth(): Truth {
    return new Map(
      this.states.map((s) => [qualifiedName(s.table), { table: s.table, rows: new Map(s.rows) }]),
    );
  }

  private file(id: number, state: TableState, createdAt: number): DmsFile {
    const { minRowsPerFile, maxRowsPerFile, updateFraction, deleteFraction } = this.options;
    // DMS writes a change with its commit second; the file is cut within the second after it.
    const commitSecond = Math.floor(createdAt / 1_000_000) * 1_000_000 - 1_000_000;
    const timestamp = formatDmsTimestamp(commitSecond);
    const count = this.rng.int(minRowsPerFile, maxRowsPerFile);
    const rows: FileRow[] = [];
    for (let i = 0; i < count; i++) {
      const draw = this.rng.int(0, 999_999) / 1_000_000;
      const op =
        state.keys.length === 0 || draw >= updateFraction + deleteFraction
          ? 'I'
          : draw < updateFraction
            ? 'U'
            : 'D';
      rows.push({
        op,
        timestamp: commitSecond,
        changeSeq: null,
        beforeImage: null,
        row: this.change(state, op, timestamp),
      });
    }
    this.rowCount += count;
    const name = cdcFileName(createdAt);
    return {
      id,
      table: qualifiedName(state.table),
      kind: 'cdc',
      name,
      key: objectKey(this.settings, state.table, name, createdAt, 'cdc'),
      createdAt,
      version: 1,
      columns: fileColumns(state.table, 'cdc', this.settings),
      rows,
    };
  }

  /** Applies one change to the table's state; returns the row DMS writes for it. */
  private change(state: TableState, op: 'I' | 'U' | 'D', timestamp: string): Row {
    if (op === 'I') {
      const row = {
        order_id: String(state.nextId++),
        ...this.values(),
        created_at: timestamp,
        updated_at: timestamp,
      };
      this.put(state, row);
      return row;
    }
    const key = state.keys[this.rng.int(0, state.keys.length - 1)] as string;
    const current = state.rows.get(key) as Row;
    if (op === 'D') {
      this.remove(state, key);
      // A delete carries the row's last image.
      return current;
    }
    const updated = { ...current, ...this.values(), updated_at: timestamp };
    state.rows.set(key, updated);
    return updated;
  }

  private values(): Record<string, string> {
    const cents = String(this.rng.int(0, 99)).padStart(2, '0');
    return {
      user_id: String(this.rng.int(1, 100_000)),
      product_id: String(this.rng.int(1, 5_000)),
      quantity: String(this.rng.int(1, 20)),
      amount: `${this.rng.int(0, 99_999)}.${cents}`,
      status: this.rng.pick(STATUSES),
    };
  }

  private put(state: TableState, row: Row): void {
    const key = keyOf(state.table, row);
    state.rows.set(key, row);
    state.keyIndex.set(key, state.keys.length);
    state.keys.push(key);
  }

  private remove(state: TableState, key: string): void {
    const index = state.keyIndex.get(key) as number;
    const last = state.keys.pop() as string;
    if (last !== key) {
      state.keys[index] = last;
      state.keyIndex.set(last, index);
    }
    state.keyIndex.delete(key);
    state.rows.delete(key);
  }
}

/** What a backlog benchmark sets: how many files of how many rows, and their mix of changes. */
export interface BacklogShape {
  readonly seed: number;
  readonly files: number;
  readonly rows: number;
  readonly updateFraction: number;
  readonly deleteFraction: number;
}

/**
 * A backlog already written: `files` files per table of `rows` rows each, created an hour ago a
 * second apart, so every one is due at once.
 */
export function backlogStream(p: BacklogShape, tables: readonly Table[]): CdcStream {
  return new CdcStream({
    seed: p.seed,
    tables,
    filesPerTable: p.files,
    minRowsPerFile: p.rows,
    maxRowsPerFile: p.rows,
    updateFraction: p.updateFraction,
    deleteFraction: p.deleteFraction,
    firstFileAtMs: Date.now() - 3_600_000,
    fileIntervalMs: 1_000,
  });
}
