/**
 * `status`'s model and text: the ledger's rows and table_state joined per table, and printed as
 * an aligned table. Pure; status.ts reads the rows.
 */
import { tableStatesFromRows } from '../control/status-sql.js';
import type { Row } from '../databend/session-pool.js';

export interface LastBatch {
  readonly id: string;
  readonly loadedAt: Date;
  readonly files: number;
  readonly rows: number;
}

export interface TableStatus {
  readonly table: string;
  readonly paused: boolean;
  readonly reason?: string;
  /** When the table was last paused or resumed. */
  readonly stateSince?: Date;
  readonly lastBatch?: LastBatch;
  /** Files and change rows loaded (as long as the ledger keeps them). */
  readonly files: number;
  readonly rows: number;
  /** The newest S3 event time among its loaded files. */
  readonly newestEvent?: Date;
  /** Seconds from newestEvent to the server's now. */
  readonly lagSeconds?: number;
  /** Files held while the table is paused (<control>.held_files), loaded when it resumes. */
  readonly heldFiles?: number;
  readonly oldestHeldEventTime?: Date;
  /** The table's last error (<control>.table_errors): a failed batch or a poison file. */
  readonly lastError?: { readonly kind: string; readonly message: string; readonly at: Date };
}

export interface QueueStatus {
  readonly waiting: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** Messages in the dead-letter queue, when there is one and it answered. */
  readonly deadLetters?: number;
}

function date(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value !== '') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

function count(value: unknown): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Joins the rows of ledgerTotalsSql, lastBatchesSql and tableStatesSql, sorted by table. */
export function tableStatuses(
  totals: readonly Row[],
  batches: readonly Row[],
  states: readonly Row[],
): TableStatus[] {
  const pauses = tableStatesFromRows(states);
  const names = new Set([
    ...totals.map((r) => String(r.table_name)),
    ...pauses.map((s) => s.table),
  ]);
  return [...names].sort().map((table) => {
    const total = totals.find((r) => r.table_name === table);
    const batch = batches.find((r) => r.table_name === table);
    const state = pauses.find((s) => s.table === table);
    const loadedAt = date(batch?.loaded_at);
    const newestEvent = date(total?.newest_event);
    const stateSince = date(state?.updatedAt);
    const lag = total?.lag_seconds;
    return {
      table,
      paused: state?.paused === true,
      ...(state?.paused === true && state.reason !== undefined ? { reason: state.reason } : {}),
      ...(stateSince === undefined ? {} : { stateSince }),
      ...(batch === undefined || loadedAt === undefined
        ? {}
        : {
            lastBatch: {
              id: String(batch.batch_id),
              loadedAt,
              files: count(batch.files),
              rows: count(batch.row_count),
            },
          }),
      files: count(total?.files),
      rows: count(total?.row_count),
      ...(newestEvent === undefined ? {} : { newestEvent }),
      ...(lag === null || lag === undefined ? {} : { lagSeconds: count(lag) }),
    };
  });
}

/** 75 → `1m 15s`; 90061 → `1d 1h`: the two largest units, enough to judge a lag. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.length === 0
    ? '0s'
    : parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}

/** `2026-11-28 01:02:03` (UTC). */
export function formatTime(value: Date): string {
  return value.toISOString().slice(0, 19).replace('T', ' ');
}

function align(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatStatus(tables: readonly TableStatus[], queue?: QueueStatus): string[] {
  const lines: string[] = [];
  if (tables.length === 0) {
    lines.push('no table has loaded a file yet');
  } else {
    const header = [
      'TABLE',
      'STATE',
      'LAST BATCH (UTC)',
      'FILES',
      'ROWS',
      'LOADED FILES',
      'LOADED ROWS',
      'LAG',
    ];
    const rows = tables.map((t) => [
      t.table,
      t.paused ? 'PAUSED' : 'running',
      t.lastBatch === undefined ? '-' : formatTime(t.lastBatch.loadedAt),
      t.lastBatch === undefined ? '-' : String(t.lastBatch.files),
      t.lastBatch === undefined ? '-' : String(t.lastBatch.rows),
      String(t.files),
      String(t.rows),
      t.lagSeconds === undefined ? '-' : formatDuration(t.lagSeconds),
    ]);
    lines.push(...align([header, ...rows]));
    const paused = tables.filter((t) => t.paused);
    if (paused.length > 0) lines.push('');
    for (const t of paused) {
      const since = t.stateSince === undefined ? '' : ` since ${formatTime(t.stateSince)}`;
      lines.push(`${t.table} is paused${since}: ${t.reason ?? '(no reason given)'}`);
    }
    lines.push(...formatHeldAndErrors(tables));
  }
  if (queue !== undefined) {
    const dlq = queue.deadLetters === undefined ? '' : `; dead-letter queue: ${queue.deadLetters}`;
    lines.push(
      '',
      `queue: ${queue.waiting} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed${dlq}`,
    );
  }
  return lines;
}

/** Lines for the tables with held files or a last error; none when there are none. */
export function formatHeldAndErrors(tables: readonly TableStatus[]): string[] {
  const lines: string[] = [];
  for (const t of tables) {
    if ((t.heldFiles ?? 0) > 0) {
      const oldest =
        t.oldestHeldEventTime === undefined
          ? ''
          : `, oldest from ${formatTime(t.oldestHeldEventTime)}`;
      lines.push(`${t.table}: ${t.heldFiles} file(s) held until it resumes${oldest}`);
    }
    if (t.lastError !== undefined)
      lines.push(
        `${t.table}: last error at ${formatTime(t.lastError.at)} (${t.lastError.kind}): ${t.lastError.message}`,
      );
  }
  return lines.length === 0 ? [] : ['', ...lines];
}
