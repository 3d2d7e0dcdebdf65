import type { Rng } from '../random.js';
import { keyOf } from '../model/table.js';
import { MICROS_PER_MS, MICROS_PER_SECOND, type Micros } from '../time.js';
import { FullLoadScan } from './full-load-scan.js';
import type { ResolvedWorkload } from './options.js';
import type { SourceDb } from './source-db.js';
import type { TransactionGenerator } from './transactions.js';

/** A finished full load (or reload) of one table. */
export interface CompletedScan {
  readonly scan: FullLoadScan;
  readonly endAt: Micros;
  readonly reload: boolean;
}

export interface TimelineResult {
  readonly scans: readonly CompletedScan[];
  /** Per table, when its first full load started: DMS captures its changes from then on. */
  readonly captureStart: ReadonlyMap<string, Micros>;
  /** Per table, when its first full load finished: no CDC file is written before. */
  readonly loadEnd: ReadonlyMap<string, Micros>;
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
  const captureStart = new Map<string, Micros>();
  const loadEnd = new Map<string, Micros>();
  const scripted: Scripted[] = [];
  let lastLoadEnd = startAt;

  const ddl = o.addColumn;
  let ddlAppliedAt: Micros | null = null;
  const reload = o.reload;
  let reloadStarted = false;
  let seen = db.changes.length;
  let now = startAt;

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
    const at = Math.max(
      startAt + ddl.atFraction * (endAt - startAt),
      lastLoadEnd + MICROS_PER_SECOND,
    );
    return Math.floor(at / 2) * 2 + 1;
  };
  const reloadDue = (): Micros | null => {
    if (reload === null || reloadStarted || !loadsDone()) return null;
    const at = Math.max(
      startAt + reload.atFraction * (endAt - startAt),
      lastLoadEnd + MICROS_PER_SECOND,
    );
    return Math.round(at);
  };
  const pending = (): boolean =>
    !loadsDone() ||
    scripted.length > 0 ||
    ddlDue() !== null ||
    reloadDue() !== null ||
    (ddlAppliedAt !== null && now < ddlAppliedAt + AFTER_DDL_MICROS);

  for (;;) {
    const readAt: Micros | null = scan?.scan.nextReadAt() ?? null;
    const loadAt: Micros | null = scan === null && loadQueue.length > 0 ? nextLoadStart : null;
    const ddlAt = ddlDue();
    const reloadAt = reloadDue();
    const scriptAt = scripted[0]?.at ?? null;
    const txnAt = nextTxnAt <= endAt || pending() ? nextTxnAt : null;
    const candidates = [scriptAt, txnAt, ddlAt, reloadAt, loadAt, readAt].filter(
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
    } else if (reloadAt === now && reload !== null) {
      reloadStarted = true;
      const name = resolveName(reload.table);
      scan = {
        scan: new FullLoadScan(db, name, now, o.fullLoadRowMicros, useTaskStartTime ? now : null),
        reload: true,
      };
    } else if (loadAt === now) {
      const name = loadQueue.shift() as string;
      const fixed = useTaskStartTime ? startAt : null;
      scan = { scan: new FullLoadScan(db, name, now, o.fullLoadRowMicros, fixed), reload: false };
      captureStart.set(name, now);
      scriptScenarios(name, now);
    } else if (readAt === now && scan !== null) {
      scan.scan.readNext();
    }
    notifyScan();

    if (scan !== null && scan.scan.nextReadAt() === null) {
      const done = scan;
      const finished = Math.max(now, done.scan.endAt());
      scans.push({ scan: done.scan, endAt: finished, reload: done.reload });
      if (!done.reload) loadEnd.set(done.scan.table, finished);
      lastLoadEnd = Math.max(lastLoadEnd, finished);
      nextLoadStart = finished + 100 * MICROS_PER_MS;
      scan = null;
    }
  }
  return { scans, captureStart, loadEnd, endAt: now };
}
