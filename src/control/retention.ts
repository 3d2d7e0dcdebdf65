/**
 * Raw retention, run now: one DELETE per raw table, each in its own implicit transaction so a
 * large table never holds the others back. A DELETE that meets a batch's commit on the same
 * table (4001/2011) is retried; the batch retries on its side too.
 */
import { toDatabendError } from '../databend/error-codes.js';
import type { SessionPool } from '../databend/session-pool.js';
import { backoffMs, sleep } from '../lifecycle/backoff.js';
import { purgeRawSql, rawTableNames, rawTablesSql } from './retention-sql.js';
import { runClaimed, type ClaimedWriter } from './claim-tables.js';

export interface PurgeOptions {
  readonly rawDatabase: string;
  /** Rows loaded more than this many days ago go. */
  readonly rawDays: number;
  /** Each table's DELETE claims the table first, like a batch (claim-tables.ts). */
  readonly writer: ClaimedWriter;
  /** Attempts per table on transient errors; default 3. */
  readonly maxAttempts?: number;
  /** Waits between attempts; replaced by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type TablePurge =
  | { readonly table: string; readonly ok: true; readonly rowsDeleted: number }
  | { readonly table: string; readonly ok: false; readonly error: Error };

export interface PurgeResult {
  readonly tables: readonly TablePurge[];
  /** Rows deleted over all tables that succeeded. */
  readonly rowsDeleted: number;
  readonly durationMs: number;
}

export async function purgeRaw(pool: SessionPool, options: PurgeOptions): Promise<PurgeResult> {
  const started = performance.now();
  const rows = await pool.with((s) => s.query(rawTablesSql(options.rawDatabase)));
  const tables: TablePurge[] = [];
  for (const table of rawTableNames(rows)) tables.push(await purgeTable(pool, options, table));
  return {
    tables,
    rowsDeleted: tables.reduce((sum, t) => sum + (t.ok ? t.rowsDeleted : 0), 0),
    durationMs: performance.now() - started,
  };
}

async function purgeTable(
  pool: SessionPool,
  options: PurgeOptions,
  table: string,
): Promise<TablePurge> {
  const sql = purgeRawSql(options.rawDatabase, table, options.rawDays);
  const maxAttempts = options.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const rowsDeleted = await pool.with((s) => runClaimed(s, options.writer, table, sql));
      return { table, ok: true, rowsDeleted };
    } catch (error) {
      const failure = toDatabendError(error);
      if (!failure.transient || attempt >= maxAttempts) return { table, ok: false, error: failure };
      await (options.sleep ?? sleep)(backoffMs(attempt, 500, Number.POSITIVE_INFINITY));
    }
  }
}

/** One error for a run in which some tables failed, naming each with its reason. */
export function purgeFailure(result: PurgeResult): Error | undefined {
  const failed = result.tables.filter((t) => !t.ok);
  if (failed.length === 0) return undefined;
  const details = failed.map((t) => `${t.table}: ${t.error.message}`).join('; ');
  return new Error(
    `raw retention failed for ${failed.length} of ${result.tables.length} table(s) ` +
      `(${result.rowsDeleted} row(s) deleted from the others): ${details}`,
  );
}
