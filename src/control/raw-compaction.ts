/**
 * Compacting the raw tables on the active writer's schedule (`maintenance.compactCron`), off the
 * batch path. By default Databend compacts a table after a write once its newest segments hold
 * enough small blocks, inside the statement that wrote, so one batch in 25 paid for merging the
 * batches' small blocks into raw's last, part-filled block: on a table months old a block of
 * 400 k rows, 0.2–0.9 s added to that batch (docs/benchmarks.md, "Aged deployment"). With the
 * schedule on, the COPYs leave that out (merge/batch-transaction.ts) and this compacts each raw table in
 * turn. A batch that appends to raw meanwhile still commits: Databend rebases an append onto a
 * compaction and the other way round (test/integration/raw-compaction.test.ts).
 */
import { qualified } from '../databend/quote.js';
import { toDatabendError, type DatabendError } from '../databend/error-codes.js';
import type { SessionPool } from '../databend/session-pool.js';
import { rawTableNames, rawTablesSql } from './retention-sql.js';

export function compactTableSql(database: string, table: string): string {
  return `OPTIMIZE TABLE ${qualified(database, table)} COMPACT`;
}

export type TableCompaction =
  | { readonly table: string; readonly ok: true }
  | { readonly table: string; readonly ok: false; readonly error: DatabendError };

export interface CompactionResult {
  readonly tables: readonly TableCompaction[];
  readonly durationMs: number;
}

/** Compacts every raw table one after another; a table that fails does not stop the others. */
export async function compactRaw(
  pool: SessionPool,
  rawDatabase: string,
): Promise<CompactionResult> {
  const started = performance.now();
  const names = rawTableNames(await pool.with((s) => s.query(rawTablesSql(rawDatabase))));
  const tables: TableCompaction[] = [];
  for (const table of names) {
    try {
      await pool.with((s) => s.exec(compactTableSql(rawDatabase, table)));
      tables.push({ table, ok: true });
    } catch (error) {
      tables.push({ table, ok: false, error: toDatabendError(error) });
    }
  }
  return { tables, durationMs: performance.now() - started };
}
