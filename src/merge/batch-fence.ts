/**
 * The fencing step, first inside every batch transaction of a table:
 *   1. the claim UPDATE (src/control/claim-sql.ts): from here on, any other writer's commit to
 *      this table makes our COMMIT fail (4001/2011), and ours makes theirs fail;
 *   2. under a lease, the lease check: the token this writer holds is still the live one;
 *   3. the ledger check: a file another writer committed before our claim is visible now, and
 *      the batch stops instead of loading it twice.
 * The order matters: a ledger read before the claim could miss a commit made between the two.
 */
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

/** Another writer committed some of the batch's files first: run the batch again without them. */
export class LoadedMeanwhileError extends Error {
  override readonly name = 'LoadedMeanwhileError';
  constructor(readonly keys: readonly string[]) {
    super(`loaded by another writer meanwhile: ${keys.join(', ')}`);
  }
}

export const fileMark = (key: string, etag: string): string => `${key}\u0000${etag}`;

/** Runs the fencing step inside the open transaction; throws to abort the batch. */
export async function fenceBatch(session: SqlSession, fence: FenceStatements): Promise<void> {
  const claimed = await session.exec(fence.claim);
  if (fence.claimCarriesToken && claimed === 0)
    throw new FencedError('a writer with a newer fencing token has claimed the table');
  if (fence.leaseLive !== undefined && (await session.query(fence.leaseLive)).length === 0)
    throw new FencedError('the lease this replica held has expired or been taken over');
  const loaded = (await session.query(fence.ledger))
    .map((row) => ({ key: String(row.object_key), etag: String(row.etag) }))
    .filter((f) => fence.files.has(fileMark(f.key, f.etag)));
  if (loaded.length > 0) throw new LoadedMeanwhileError(loaded.map((f) => f.key));
}
