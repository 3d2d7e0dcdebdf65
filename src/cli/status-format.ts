/**
 * `status`'s model and text: the ledger's rows and table_state joined per table, and printed as
 * an aligned table. Pure; status.ts reads the rows.
 */
import type { LastBatch, LedgerTotals, TableState } from '../control/status-sql.js';

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

/** The driver's TIMESTAMP value of a pause state as a Date, when it is one. */
function date(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value !== '') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

/** Joins the ledger totals, the last batches and the pause states, sorted by table. */
export function tableStatuses(
  totals: readonly LedgerTotals[],
  batches: ReadonlyMap<string, LastBatch>,
  pauses: readonly TableState[],
): TableStatus[] {
  const names = new Set([...totals.map((t) => t.table), ...pauses.map((s) => s.table)]);
  return [...names].sort().map((table) => {
    const total = totals.find((t) => t.table === table);
    const lastBatch = batches.get(table);
    const state = pauses.find((s) => s.table === table);
    const stateSince = date(state?.updatedAt);
    return {
      table,
      paused: state?.paused === true,
      ...(state?.paused === true && state.reason !== undefined ? { reason: state.reason } : {}),
      ...(stateSince === undefined ? {} : { stateSince }),
      ...(lastBatch === undefined ? {} : { lastBatch }),
      files: total?.files ?? 0,
      rows: total?.rows ?? 0,
      ...(total?.newestEvent === undefined ? {} : { newestEvent: total.newestEvent }),
      ...(total?.lagSeconds === undefined ? {} : { lagSeconds: total.lagSeconds }),
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
