/**
 * The fencing step, first inside every batch transaction of a table:
 *   1. the claim UPDATE (src/control/claim-sql.ts): from here on, any other writer's commit to
 *      this table makes our COMMIT fail (4001/2011), and ours makes theirs fail;
 *   2. under a lease, the lease check: the token this writer holds is still the live one;
 *   3. the ledger check: a file already committed (by another writer before our claim, or by
 *      anyone earlier: a redelivery) is visible now, and the batch stops instead of loading it
 *      twice; the loader settles such files as done and runs the rest again.
 * The order matters: a ledger read before the claim could miss a commit made between the two.
 * This check is the batch's only ledger look-up: one before the transaction would be a second
 * statement per batch to answer the same question less surely.
 */
import { loadedPairs } from '../control/ledger-sql.js';
import type { SqlSession } from '../databend/session-pool.js';

export interface FenceStatements {
  readonly claim: string;
  /** The claim carries a fencing token: it must update a row, or a newer token has claimed. */
  readonly claimCarriesToken: boolean;
  /** Returns a row while the writer's lease is live; undefined for operator commands. */
  readonly leaseLive: string | undefined;
  /** (object_key, etag) rows of the ledger for the batch's keys. */
  readonly ledger: string;
  /** The batch's files as `key` + NUL + `etag`. */
  readonly files: ReadonlySet<string>;
}

/** This writer may not commit: its lease expired or another holder has claimed the table since. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/** Some of the batch's files are in the ledger already: run the batch again without them. */
export class LoadedMeanwhileError extends Error {
  override readonly name = 'LoadedMeanwhileError';
  readonly keys: readonly string[];
  /** The loaded files as fileMark()s (key and ETag). */
  constructor(readonly marks: ReadonlySet<string>) {
    const keys = [...marks].map((m) => m.split('\u0000')[0] ?? m);
    super(`already in the ledger: ${keys.join(', ')}`);
    this.keys = keys;
  }
}

export const fileMark = (key: string, etag: string): string => `${key}\u0000${etag}`;

/**
 * Runs the fencing step inside the open transaction; throws to abort the batch. Returns how long
 * the ledger check took (ms).
 */
export async function fenceBatch(session: SqlSession, fence: FenceStatements): Promise<number> {
  const claimed = await session.exec(fence.claim);
  if (fence.claimCarriesToken && claimed === 0)
    throw new FencedError('a writer with a newer fencing token has claimed the table');
  if (fence.leaseLive !== undefined && (await session.query(fence.leaseLive)).length === 0)
    throw new FencedError('the lease this replica held has expired or been taken over');
  const started = performance.now();
  const rows = await session.query(fence.ledger);
  const ledgerMs = performance.now() - started;
  const loaded = new Set(
    loadedPairs(rows)
      .map((pair) => fileMark(pair.key, pair.etag))
      .filter((mark) => fence.files.has(mark)),
  );
  if (loaded.size > 0) throw new LoadedMeanwhileError(loaded);
  return ledgerMs;
}
