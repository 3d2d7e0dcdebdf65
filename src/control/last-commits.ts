/** When each table last committed, from the ledger: what a restarted process knows of the past. */
import type { SessionPool } from '../databend/session-pool.js';
import { lastCommitsSql } from './status-sql.js';

export async function readLastCommits(
  pool: SessionPool,
  controlDatabase: string,
): Promise<Map<string, Date>> {
  const rows = await pool.with((s) => s.query(lastCommitsSql(controlDatabase)));
  const commits = new Map<string, Date>();
  for (const row of rows) {
    const at = new Date(`${String(row.last_loaded).replace(' ', 'T')}Z`);
    if (!Number.isNaN(at.getTime())) commits.set(String(row.table_name), at);
  }
  return commits;
}
