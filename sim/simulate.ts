import { cutCdcFiles } from './dms/cdc-files.js';
import type { DmsFile } from './dms/files.js';
import { numberFiles, type DraftFile } from './dms/files.js';
import { loadFiles } from './dms/load-files.js';
import { resolveDmsSettings, type DmsSettings } from './dms/settings.js';
import { defineTable, qualifiedName, type Row, type Table } from './model/table.js';
import { Rng } from './random.js';
import { MICROS_PER_SECOND, parseInstant, type Micros } from './time.js';
import type { Truth } from './truth/truth.js';
import {
  resolveWorkload,
  type ResolvedWorkload,
  type WorkloadOptions,
} from './workload/options.js';
import { keyColumns, newRow } from './workload/rows.js';
import { SourceDb, type SourceChange, type SourceDdl } from './workload/source-db.js';
import { runTimeline } from './workload/timeline.js';
import { folderRemovals, type FolderRemoval } from './dms/removals.js';
import { TransactionGenerator } from './workload/transactions.js';

/** Everything one simulated DMS task produced, and the source state it must converge to. */
export interface Simulation {
  readonly workload: ResolvedWorkload;
  readonly settings: DmsSettings;
  /** Tables as they are at the end (after any ADD COLUMN). */
  readonly tables: readonly Table[];
  /** Every file DMS wrote, in creation order (a reload's files reuse earlier keys). */
  readonly files: readonly DmsFile[];
  /** DMS deleting table folders (DROP_AND_CREATE reloads, source truncates), in time order. */
  readonly removals: readonly FolderRemoval[];
  /** The source's final state. */
  readonly truth: Truth;
  /** Every committed source row change, in commit order (captured or not). */
  readonly sourceChanges: readonly SourceChange[];
  /** Every source ALTER TABLE … ADD COLUMN, with its time. */
  readonly sourceDdl: readonly SourceDdl[];
  readonly taskStartAt: Micros;
  readonly endAt: Micros;
  /** The source's state as of a time (changes committed at or before it). */
  truthAt(at: Micros): Truth;
}

/** The row with every column of the table; a column added after the row was written is NULL. */
export function completeRow(table: Table, row: Row): Row {
  const out: Record<string, string | null> = {};
  for (const c of table.columns) out[c.name] = row[c.name] ?? null;
  return out;
}

/** How long before the task start the initial rows were written. */
const INITIAL_ROWS_AGE = 3600 * MICROS_PER_SECOND;

/**
 * Simulates a MySQL source and a DMS full-load-and-CDC task writing Parquet to S3.
 * Deterministic: the same options give the same files, rows and truth.
 */
export function simulate(options: WorkloadOptions, dms: Partial<DmsSettings> = {}): Simulation {
  const settings = resolveDmsSettings(dms);
  const workload = resolveWorkload(options, settings.beforeImagePrefix !== null);
  const tables = workload.tables.map(defineTable);
  const names = new Set(tables.map(qualifiedName));
  if (names.size !== tables.length) throw new Error('Two tables share a schema and name');
  const rng = new Rng(workload.seed);
  const db = new SourceDb(tables);
  const taskStartAt = parseInstant(workload.startTime);

  const seedRng = rng.fork('initial-rows');
  const keysUsed = new Map<string, number>();
  for (const table of tables) {
    const name = qualifiedName(table);
    for (let i = 0; i < workload.initialRows; i++) {
      db.seed(name, newRow(seedRng, table, keyColumns(table, i)), taskStartAt - INITIAL_ROWS_AGE);
    }
    keysUsed.set(name, workload.initialRows);
  }
  const gen = new TransactionGenerator(
    db,
    rng.fork('transactions'),
    {
      maxStatementsPerTransaction: workload.maxStatementsPerTransaction,
      keyUpdates: workload.keyUpdates,
    },
    keysUsed,
  );
  const timeline = runTimeline(
    db,
    gen,
    rng.fork('timing'),
    workload,
    taskStartAt,
    settings.useTaskStartTimeForFullLoadTimestamp,
  );

  const drafts: DraftFile[] = [];
  for (const done of timeline.scans) {
    drafts.push(...loadFiles(done.scan.schema, done.scan.rows, done.scan.readTimes, settings));
  }
  for (const name of db.tableNames()) {
    for (const window of timeline.windows.get(name) ?? []) {
      const captured = db.changes.filter(
        (c) => c.table === name && c.commitAt >= window.from && c.commitAt < window.to,
      );
      drafts.push(
        ...cutCdcFiles(name, captured, db.ddl, {
          settings,
          tableAt: (at) => db.tableAt(name, at),
          notBefore: Number.isFinite(window.notBefore) ? window.notBefore : window.from,
          ...(Number.isFinite(window.to) ? { stopAt: window.to } : {}),
        }),
      );
    }
  }
  const files = numberFiles(drafts);

  const snapshot = (at: Micros | null): Truth => {
    const out = new Map<string, { table: Table; rows: ReadonlyMap<string, Row> }>();
    for (const name of db.tableNames()) {
      const table = at === null ? db.table(name) : db.tableAt(name, at);
      const rows = new Map<string, Row>();
      if (at === null) {
        for (const [key, row] of db.currentRows(name)) rows.set(key, completeRow(table, row));
      } else {
        for (const key of db.allKeys(name)) {
          const row = db.rowAt(name, key, at);
          if (row !== null) rows.set(key, completeRow(table, row));
        }
      }
      out.set(name, { table, rows });
    }
    return out;
  };

  return {
    workload,
    settings,
    tables: db.tableNames().map((name) => db.table(name)),
    files,
    removals: folderRemovals(files, timeline.removals),
    truth: snapshot(null),
    sourceChanges: db.changes,
    sourceDdl: db.ddl,
    taskStartAt,
    endAt: timeline.endAt,
    truthAt: (at) => snapshot(at),
  };
}
