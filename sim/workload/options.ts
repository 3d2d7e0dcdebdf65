import { ADDED_COLUMN } from '../model/catalog.js';
import type { ColumnDef, TableDef } from '../model/table.js';

/** What to simulate. Everything but `seed` and `tables` has a default. */
export interface WorkloadOptions {
  readonly seed: number;
  readonly tables: readonly TableDef[];
  /** Rows each table holds before the task starts (they arrive through the full load). */
  readonly initialRows?: number;
  /** Task start, ISO-8601 (default 2024-06-12T10:00:00Z). */
  readonly startTime?: string;
  /** Seconds of source transactions after the task start (default 60). */
  readonly durationSeconds?: number;
  /** Average committed transactions per second over all tables (default 20). */
  readonly transactionsPerSecond?: number;
  /** Statements per transaction are drawn from 1..this (default 4). */
  readonly maxStatementsPerTransaction?: number;
  /** How long the full load takes per row, in microseconds (default 2000). */
  readonly fullLoadRowMicros?: number;
  /**
   * A source `ALTER TABLE … ADD COLUMN` at this fraction of the duration (not before every full
   * load has finished: DMS does not support DDL during a full load). Default: the first table
   * gets `added_note varchar(64)` at 0.5. null for none.
   */
  readonly addColumn?: {
    readonly table: string;
    readonly column: ColumnDef;
    readonly atFraction: number;
  } | null;
  /** A DMS reload of one table (its LOAD files rewritten, new ETags). Default none. */
  readonly reload?: ReloadPlan | null;
  /** More reloads (of one table or several), in addition to `reload`. */
  readonly reloads?: readonly ReloadPlan[];
  /** Source `TRUNCATE TABLE`s: no row events; DMS removes the table's folder. */
  readonly truncates?: readonly TruncatePlan[];
  /** UPDATEs that change a primary key. Default: on when before-image columns are on. */
  readonly keyUpdates?: boolean;
}

export interface ResolvedWorkload {
  readonly seed: number;
  readonly tables: readonly TableDef[];
  readonly initialRows: number;
  readonly startTime: string;
  readonly durationSeconds: number;
  readonly transactionsPerSecond: number;
  readonly maxStatementsPerTransaction: number;
  readonly fullLoadRowMicros: number;
  readonly addColumn: {
    readonly table: string;
    readonly column: ColumnDef;
    readonly atFraction: number;
  } | null;
  /** `reload` and `reloads` together, in time order. */
  readonly reloads: readonly ResolvedReload[];
  readonly truncates: readonly TruncatePlan[];
  readonly keyUpdates: boolean;
}

/**
 * A reload of one table's full load (`reload-target`, or `reload-tables` of a running task): its
 * rows read again and written as new `LOAD…` files (the counter starts at 1 again), the changes
 * made meanwhile cached and written as CDC files once the load is done.
 */
export interface ReloadPlan {
  readonly table: string;
  /** When the reload starts, as a fraction of the duration (not before every full load is done). */
  readonly atFraction: number;
  /**
   * Seconds before the reload during which DMS captured nothing (the task was stopped): the
   * changes of the gap reach S3 only as the reload's rows, and its deletes not at all. Default 0.
   */
  readonly captureGapSeconds?: number;
  /**
   * DMS `TargetTablePrepMode`: `DROP_AND_CREATE` deletes the table's folder before the reload
   * writes (S3 sends ObjectRemoved for each object); `DO_NOTHING` (default) leaves it, so the
   * reload's files replace the old ones under the same keys, and old keys it does not reach stay.
   */
  readonly targetTablePrepMode?: 'DO_NOTHING' | 'DROP_AND_CREATE';
}

export interface ResolvedReload {
  readonly table: string;
  readonly atFraction: number;
  readonly captureGapSeconds: number;
  readonly targetTablePrepMode: 'DO_NOTHING' | 'DROP_AND_CREATE';
}

/**
 * A source `TRUNCATE TABLE`: every row goes without a row event (the binlog holds a DDL), and
 * DMS "removes all files and corresponding table folders" of the table; capture goes on.
 */
export interface TruncatePlan {
  readonly table: string;
  readonly atFraction: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`Workload option ${message}`);
}

/** Fills defaults and validates, naming the bad option. Table names are bare or qualified. */
export function resolveWorkload(o: WorkloadOptions, beforeImages: boolean): ResolvedWorkload {
  const first = o.tables[0];
  const resolved: ResolvedWorkload = {
    seed: o.seed,
    tables: o.tables,
    initialRows: o.initialRows ?? 100,
    startTime: o.startTime ?? '2024-06-12T10:00:00Z',
    durationSeconds: o.durationSeconds ?? 60,
    transactionsPerSecond: o.transactionsPerSecond ?? 20,
    maxStatementsPerTransaction: o.maxStatementsPerTransaction ?? 4,
    fullLoadRowMicros: o.fullLoadRowMicros ?? 2000,
    addColumn:
      o.addColumn === undefined
        ? first === undefined
          ? null
          : { table: first.name, column: ADDED_COLUMN, atFraction: 0.5 }
        : o.addColumn,
    reloads: [
      ...(o.reload === undefined || o.reload === null ? [] : [o.reload]),
      ...(o.reloads ?? []),
    ]
      .map((r) => ({
        table: r.table,
        atFraction: r.atFraction,
        captureGapSeconds: r.captureGapSeconds ?? 0,
        targetTablePrepMode: r.targetTablePrepMode ?? 'DO_NOTHING',
      }))
      .sort((a, b) => a.atFraction - b.atFraction),
    truncates: [...(o.truncates ?? [])].sort((a, b) => a.atFraction - b.atFraction),
    keyUpdates: o.keyUpdates ?? beforeImages,
  };
  check(
    Number.isInteger(resolved.seed) && Math.abs(resolved.seed) < 2 ** 31,
    'seed must be a 32-bit integer',
  );
  check(resolved.tables.length > 0, 'tables must name at least one table');
  check(
    Number.isInteger(resolved.initialRows) && resolved.initialRows >= 0,
    'initialRows must be ≥ 0',
  );
  check(resolved.durationSeconds > 0, 'durationSeconds must be > 0');
  check(resolved.transactionsPerSecond >= 0, 'transactionsPerSecond must be ≥ 0');
  check(resolved.maxStatementsPerTransaction >= 1, 'maxStatementsPerTransaction must be ≥ 1');
  check(resolved.fullLoadRowMicros >= 1, 'fullLoadRowMicros must be ≥ 1');
  check(!Number.isNaN(Date.parse(resolved.startTime)), 'startTime must be ISO-8601');
  const known = (name: string): boolean =>
    resolved.tables.some((t) => t.name === name || `${t.schema}.${t.name}` === name);
  if (resolved.addColumn !== null) {
    check(
      known(resolved.addColumn.table),
      `addColumn.table ${resolved.addColumn.table} is unknown`,
    );
    check(resolved.addColumn.atFraction >= 0, 'addColumn.atFraction must be ≥ 0');
  }
  for (const reload of resolved.reloads) {
    check(known(reload.table), `reload.table ${reload.table} is unknown`);
    check(reload.atFraction >= 0, 'reload.atFraction must be ≥ 0');
    check(reload.captureGapSeconds >= 0, 'reload.captureGapSeconds must be ≥ 0');
  }
  for (const truncate of resolved.truncates) {
    check(known(truncate.table), `truncates.table ${truncate.table} is unknown`);
    check(truncate.atFraction >= 0, 'truncates.atFraction must be ≥ 0');
  }
  check(
    !resolved.keyUpdates || beforeImages,
    'keyUpdates needs before-image columns (beforeImagePrefix)',
  );
  return resolved;
}
