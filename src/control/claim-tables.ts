/**
 * Creates each table's claim table (and its row) once per process, before the table's first
 * batch: it is DDL, which would commit an open transaction, so it never runs inside one.
 */
import type { SqlSession } from '../databend/session-pool.js';
import { createClaimTableSql } from './claim-sql.js';

export class ClaimTables {
  private readonly created = new Set<string>();

  constructor(private readonly controlDatabase: string) {}

  async ensure(session: SqlSession, table: string): Promise<void> {
    if (this.created.has(table)) return;
    for (const sql of createClaimTableSql(this.controlDatabase, table)) await session.exec(sql);
    this.created.add(table);
  }
}
