/** When each table last committed, from the ledger: what a restarted process knows of the past. */
import type { SessionPool } from '../databend/session-pool.js';
import { lastCommitsFromRows, lastCommitsSql } from './status-sql.js';

export async function readLastCommits(
  pool: SessionPool,
  controlDatabase: string,
): Promise<Map<string, Date>> {
  return lastCommitsFromRows(await pool.with((s) => s.query(lastCommitsSql(controlDatabase))));
}
