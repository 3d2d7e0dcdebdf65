/**
 * The per-table claim: a one-row table `<control>.claim_<table>` that every batch transaction of
 * that table UPDATEs as its first statement. Databend's commits are optimistic: two transactions
 * that only append (COPY into raw, a MERGE of new keys, ledger INSERTs) both commit, but two that
 * rewrite the same block of one table cannot — the second COMMIT fails with 4001 (or 2011). So
 * every writer of a table rewriting the same claim row makes writers of one table exclude each
 * other, whatever process they run in.
 *
 * One table per replicated table, not one shared table with a row per table: the engine conflicts
 * on rewrites of the same *block*, and rows of a shared table end in one block (an INSERT of
 * several rows, or the engine's compaction after small inserts), which would make writers of
 * different tables abort each other (test/integration/claim-engine.test.ts measures both).
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { numeric, text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

/** Who writes: the service under a lease (with its fencing token) or an operator command. */
export interface WriterFence {
  /** Names the writer in the claim row and in errors: `<host>/<pid>` or `cli:<command>`. */
  readonly owner: string;
  /** Set when the writer holds the replicas' lease; the batch commits only while it holds it. */
  readonly lease?: { readonly name: string; readonly token: number };
}

export function claimTableName(table: string): string {
  return `claim_${table}`;
}

/** DDL and the seed row, outside any transaction (DDL would commit one). */
export function createClaimTableSql(controlDatabase: string, table: string): string[] {
  const claim = qualified(controlDatabase, claimTableName(table));
  return [
    `CREATE TABLE IF NOT EXISTS ${claim} (${quoteIdent('owner')} VARCHAR, ${quoteIdent('token')} BIGINT, ` +
      `${quoteIdent('batch_id')} VARCHAR, ${quoteIdent('claimed_at')} TIMESTAMP)`,
    // Two processes seeding at once leave two rows; harmless, the claim UPDATE rewrites all rows.
    `INSERT INTO ${claim} (${quoteIdent('owner')}, ${quoteIdent('token')}, ${quoteIdent('batch_id')}, ${quoteIdent('claimed_at')}) ` +
      `SELECT '', 0, '', now() WHERE NOT EXISTS (SELECT 1 FROM ${claim})`,
  ];
}

/**
 * The claim UPDATE, first statement of a batch transaction. Under a lease it also records the
 * token and matches no row once a newer token has claimed the table, so a writer whose lease was
 * taken over can never commit to it again (it reads 0 rows updated and gives up).
 */
export function claimSql(
  controlDatabase: string,
  table: string,
  fence: WriterFence,
  batchId: string,
): string {
  const set = [
    `${quoteIdent('owner')} = ${quoteString(fence.owner)}`,
    `${quoteIdent('batch_id')} = ${quoteString(batchId)}`,
    `${quoteIdent('claimed_at')} = now()`,
  ];
  const token = fence.lease?.token;
  if (token === undefined)
    return `UPDATE ${qualified(controlDatabase, claimTableName(table))} SET ${set.join(', ')}`;
  const t = String(Math.trunc(token));
  return (
    `UPDATE ${qualified(controlDatabase, claimTableName(table))} SET ${quoteIdent('token')} = ${t}, ${set.join(', ')} ` +
    `WHERE ${quoteIdent('token')} <= ${t}`
  );
}

/** Who claimed the table last, for status and for messages naming the other writer. */
export function claimHolderSql(controlDatabase: string, table: string): string {
  return (
    `SELECT ${quoteIdent('owner')} AS owner, ${quoteIdent('token')} AS token, ${quoteIdent('batch_id')} AS batch_id, ` +
    `${quoteIdent('claimed_at')}::STRING AS claimed_at FROM ${qualified(controlDatabase, claimTableName(table))} ` +
    `ORDER BY ${quoteIdent('token')} DESC LIMIT 1`
  );
}

/** The writer that claimed a table last: a row of claimHolderSql; undefined if none ever did. */
export interface ClaimHolder {
  readonly owner: string;
  readonly token: number;
  readonly claimedAt: string;
}

export function claimHolderFromRow(row: Row | undefined): ClaimHolder | undefined {
  if (row === undefined || row.owner === '') return undefined;
  return {
    owner: text(row, 'owner'),
    token: numeric(row, 'token'),
    claimedAt: text(row, 'claimed_at'),
  };
}
