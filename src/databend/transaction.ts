/** One Databend transaction around a few statements. */
import type { SqlSession } from './session-pool.js';

/**
 * Runs the statements in one transaction and returns the rows the last one changed; on any
 * failure it rolls back (clearing an active or failed transaction) and rethrows.
 */
export async function inTransaction(
  session: SqlSession,
  statements: readonly string[],
): Promise<number> {
  await session.exec('BEGIN');
  try {
    let rows = 0;
    for (const sql of statements) rows = await session.exec(sql);
    await session.exec('COMMIT');
    return rows;
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
