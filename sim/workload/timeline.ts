import type { Rng } from '../random.js';
import { keyOf } from '../model/table.js';
import { MICROS_PER_MS, MICROS_PER_SECOND, type Micros } from '../time.js';
import { FullLoadScan } from './full-load-scan.js';
import type { ResolvedReload, ResolvedWorkload, TruncatePlan } from './options.js';
import type { SourceDb } from './source-db.js';
import type { TransactionGenerator } from './transactions.js';

/** A finished full load (or reload) of one table. */
export interface CompletedScan {
  readonly scan: FullLoadScan;
  readonly endAt: Micros;
  readonly reload: boolean;
}

/**
 * A span in which DMS captured a table's changes: from a full load's start (the first one, or a
 * reload after a gap) until capture stopped (a task stop, a truncate) or forever. Its CDC files
 * are not written before `notBefore`, the end of the full load that opened it: DMS caches a
 * table's changes while it loads the table.
 */
export interface CaptureWindow {
  readonly from: Micros;
  to: Micros;
  notBefore: Micros;
}

/** DMS deleting a table's folder (TargetTablePrepMode=DROP_AND_CREATE, a source TRUNCATE). */
export interface FolderRemovalAt {
  readonly table: string;
  readonly at: Micros;
  readonly why: 'drop-and-create' | 'truncate';
}

export interface TimelineResult {
  readonly scans: readonly CompletedScan[];
  /** Per table, the spans in which DMS captured its changes, in time order. */
  readonly windows: ReadonlyMap<string, readonly CaptureWindow[]>;
  readonly removals: readonly FolderRemovalAt[];
  readonly endAt: Micros;
}

interface Scripted {
  readonly at: Micros;
  readonly run: () => void;
}

/** Seconds of transactions kept going after a late DDL, so changes with the new column exist. */
const AFTER_DDL_MICROS = 3 * MICROS_PER_SECOND;

/**
 * Runs the task's timeline as a discrete-event simulation: source transactions at random
 * intervals, the full load of each table in turn (reading rows while transactions go on),
 * scripted scenarios right after each load starts (so they overlap it), the source ADD COLUMN
 * once the loads are done, and an optional reload.
 */
export function runTimeline(
  db: SourceDb,
  gen: TransactionGenerator,
  timing: Rng,
  o: ResolvedWorkload,
  startAt: Micros,
  useTaskStartTime: boolean,
): TimelineResult {
  const tableNames = db.tableNames();
  const resolveName = (name: string): string =>
    tableNames.find((t) => t === name || t.endsWith(`.${name}`)) ?? name;
  const endAt = startAt + o.durationSeconds * MICROS_PER_SECOND;
  const meanGap = o.transactionsPerSecond > 0 ? MICROS_PER_SECOND / o.transactionsPerSecond : 0;
  // Transactions commit at even microseconds and the DDL at an odd one, so no change shares
  // its instant with the DDL and "before or after the new column" is never ambiguous.
  const drawGap = (): Micros => 2 * timing.int(1, Math.max(1, Math.round(meanGap)));
  let nextTxnAt = o.transactionsPerSecond > 0 ? startAt + drawGap() : Infinity;

  const loadQueue = [...tableNames];
  let nextLoadStart = startAt + 500 * MICROS_PER_MS;
  let scan: { scan: FullLoadScan; reload: boolean } | null = null;
  const scans: CompletedScan[] = [];
  const windows = new Map<string, CaptureWindow[]>();
  const removals: FolderRemovalAt[] = [];
  const scripted: Scripted[] = [];
  let lastLoadEnd = startAt;

  const ddl = o.addColumn;
  let ddlAppliedAt: Micros | null = null;
  const reloads = [...o.reloads];
  const truncates = [...o.truncates];
  let seen = db.changes.length;
  let now = startAt;

  const planned = (fraction: number): Micros => startAt + fraction * (endAt - startAt);
  const openWindow = (table: string): CaptureWindow | undefined => {
    const last = windows.get(table)?.at(-1);
    return last !== undefined && last.to === Infinity ? last : undefined;
  };
  const startCapture = (table: string, at: Micros): CaptureWindow => {
    const window: CaptureWindow = { from: at, to: Infinity, notBefore: Infinity };
    windows.set(table, [...(windows.get(table) ?? []), window]);
    return window;
  };
  const stopCapture = (table: string, at: Micros): void => {
    const open = openWindow(table);
    if (open !== undefined) open.to = at;
  };

  const schedule = (at: Micros, run: () => void): void => {
    scripted.push({ at: Math.ceil(at / 2) * 2, run });
    scripted.sort((a, b) => a.at - b.at);
  };

  const scriptScenarios = (table: string, t: Micros): void => {
    schedule(t + 5 * MICROS_PER_MS, () => gen.insertUpdateDelete(table, now));
    schedule(t + 7 * MICROS_PER_MS, () => {
      const gone = gen.deleteOne(table, now);
      if (gone !== null) schedule(now + 1500 * MICROS_PER_MS, () => gen.reinsert(table, gone, now));
    });
    for (const ms of [9, 11, 13]) schedule(t + ms * MICROS_PER_MS, () => gen.updateOne(table, now));
  };

  const notifyScan = (): void => {
    for (; seen < db.changes.length; seen++) {
      const change = db.changes[seen];
      if (scan === null || change === undefined || change.table !== scan.scan.table) continue;
      if (change.op === 'D') continue;
      scan.scan.noteInsertedKey(keyOf(db.table(change.table), change.row));
    }
  };

  const loadsDone = (): boolean => loadQueue.length === 0 && scan === null;
  const ddlDue = (): Micros | null => {
    if (ddl === null || ddlAppliedAt !== null || !loadsDone()) return null;
    const at = Math.max(planned(ddl.atFraction), lastLoadEnd + MICROS_PER_SECOND);
    return Math.floor(at / 2) * 2 + 1;
  };
  // Capture stops a gap before the reload is planned (never before the table's load is done).
  const gapDue = (): Micros | null => {
    const reload = reloads[0];
    if (reload === undefined || reload.captureGapSeconds === 0 || !loadsDone()) return null;
    const name = resolveName(reload.table);
    if (openWindow(name) === undefined) return null;
    const at = planned(reload.atFraction) - reload.captureGapSeconds * MICROS_PER_SECOND;
    return Math.floor(Math.max(at, lastLoadEnd + MICROS_PER_MS, now) / 2) * 2 + 1;
  };
  const reloadDue = (): Micros | null => {
    const reload = reloads[0];
    if (reload === undefined || !loadsDone() || gapDue() !== null) return null;
    return Math.round(Math.max(planned(reload.atFraction), lastLoadEnd + MICROS_PER_SECOND, now));
  };
  const truncateDue = (): Micros | null => {
    const truncate = truncates[0];
    if (truncate === undefined || !loadsDone()) return null;
    const at = Math.max(planned(truncate.atFraction), lastLoadEnd + MICROS_PER_SECOND, now);
    return Math.floor(at / 2) * 2 + 1;
  };
  const pending = (): boolean =>
    !loadsDone() ||
    scripted.length > 0 ||
    ddlDue() !== null ||
    reloads.length > 0 ||
    truncates.length > 0 ||
    (ddlAppliedAt !== null && now < ddlAppliedAt + AFTER_DDL_MICROS);

  for (;;) {
    const readAt: Micros | null = scan?.scan.nextReadAt() ?? null;
    const loadAt: Micros | null = scan === null && loadQueue.length > 0 ? nextLoadStart : null;
    const ddlAt = ddlDue();
    const gapAt = gapDue();
    const reloadAt = reloadDue();
    const truncateAt = truncateDue();
    const scriptAt = scripted[0]?.at ?? null;
    const txnAt = nextTxnAt <= endAt || pending() ? nextTxnAt : null;
    const candidates = [scriptAt, txnAt, ddlAt, gapAt, truncateAt, reloadAt, loadAt, readAt].filter(
      (t): t is number => t !== null && Number.isFinite(t),
    );
    if (candidates.length === 0) break;
    now = Math.round(Math.min(...candidates));

    if (scriptAt === now) {
      (scripted.shift() as Scripted).run();
    } else if (txnAt === now) {
      gen.randomTransaction(now);
      nextTxnAt = now + drawGap();
    } else if (ddlAt === now && ddl !== null) {
      db.addColumn(resolveName(ddl.table), ddl.column, now);
      ddlAppliedAt = now;
    } else if (gapAt === now && reloads[0] !== undefined) {
      stopCapture(resolveName(reloads[0].table), now);
    } else if (truncateAt === now && truncates[0] !== undefined) {
      const name = resolveName((truncates.shift() as TruncatePlan).table);
      db.truncate(name, now);
      // The open CDC file is written as capture meets the DDL; then DMS removes the folder.
      const captured = openWindow(name) !== undefined;
      stopCapture(name, now);
      removals.push({ table: name, at: now + MICROS_PER_MS, why: 'truncate' });
      if (captured) startCapture(name, now).notBefore = now + 2 * MICROS_PER_MS;
    } else if (reloadAt === now && reloads[0] !== undefined) {
      const reload = reloads.shift() as ResolvedReload;
      const name = resolveName(reload.table);
      stopCapture(name, now);
      if (reload.targetTablePrepMode === 'DROP_AND_CREATE')
        removals.push({ table: name, at: now, why: 'drop-and-create' });
      // The reload's changes are captured from its start and cached until it is done.
      startCapture(name, now);
      scan = {
        scan: new FullLoadScan(db, name, now, o.fullLoadRowMicros, useTaskStartTime ? now : null),
        reload: true,
      };
    } else if (loadAt === now) {
      const name = loadQueue.shift() as string;
      const fixed = useTaskStartTime ? startAt : null;
      scan = { scan: new FullLoadScan(db, name, now, o.fullLoadRowMicros, fixed), reload: false };
      startCapture(name, now);
      scriptScenarios(name, now);
    } else if (readAt === now && scan !== null) {
      scan.scan.readNext();
    }
    notifyScan();

    if (scan !== null && scan.scan.nextReadAt() === null) {
      const done = scan;
      const finished = Math.max(now, done.scan.endAt());
      scans.push({ scan: done.scan, endAt: finished, reload: done.reload });
      const window = openWindow(done.scan.table);
      if (window !== undefined) window.notBefore = finished;
      lastLoadEnd = Math.max(lastLoadEnd, finished);
      nextLoadStart = finished + 100 * MICROS_PER_MS;
      scan = null;
    }
  }
  return { scans, windows, removals, endAt: now };
}
