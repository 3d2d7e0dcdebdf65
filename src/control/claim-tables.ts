/**
 * Creates each table's claim table (and its row) once per process, before the table's first
 * batch: it is DDL, which would commit an open transaction, so it never runs inside one. And
 * runs other writers' statements (replay, retention) under the same claim.
 */
import type { SqlSession } from '../databend/session-pool.js';
import { inTransaction } from '../databend/transaction.js';
import { claimSql, createClaimTableSql } from './claim-sql.js';

export class ClaimTables {
  private readonly created = new Set<string>();

  constructor(private readonly controlDatabase: string) {}

  async ensure(session: SqlSession, table: string): Promise<void> {
    if (this.created.has(table)) return;
    for (const sql of createClaimTableSql(this.controlDatabase, table)) await session.exec(sql);
    this.created.add(table);
  }
}

/** Who runs a claimed statement outside the batch path (replay, retention): database and name. */
export interface ClaimedWriter {
  readonly controlDatabase: string;
  readonly owner: string;
}

/**
 * Runs `sql` (a DML statement on `table`'s data) in a transaction that claims the table first,
 * exactly as a batch does, so it and the service's batches of that table exclude each other: the
 * later COMMIT fails with 4001/2011 (transient: the caller retries). Returns the rows it changed.
 * Creates the claim table first if needed (DDL, outside the transaction).
 */
export async function runClaimed(
  session: SqlSession,
  writer: ClaimedWriter,
  table: string,
  sql: string,
): Promise<number> {
  for (const ddl of createClaimTableSql(writer.controlDatabase, table)) await session.exec(ddl);
  return inTransaction(session, [
    claimSql(writer.controlDatabase, table, { owner: writer.owner }, 'claimed'),
    sql,
  ]);
}
