/**
 * Files the ledger already holds are `done`, whatever else the batch decided for them: a
 * redelivery of a loaded file must never end as `retry` or `poison`. The batch's own ledger check
 * runs inside its transaction (merge/batch-fence.ts); these look-ups cover the outcomes decided
 * without reaching it, before the transaction or when it could not run.
 */
import { loadedFileIds, loadedFilesSql } from '../control/ledger-sql.js';
import type { SqlSession } from '../databend/session-pool.js';
import { fileId } from '../files/file-ref.js';
import { earliestLoadTime } from '../files/ledger-window.js';
import { ALREADY_LOADED } from './batch-rejects.js';
import { done, type FileResult } from './file-outcome.js';
import type { PendingFile } from './pending-file.js';

/** Outcomes by fileId, filled in as the batch goes. */
type Outcomes = Map<string, FileResult>;

/** Copies `early` into `outcomes`, except for files the ledger holds: those are done. */
export async function settleUnlessLoaded(
  session: SqlSession,
  controlDatabase: string,
  files: readonly PendingFile[],
  early: ReadonlyMap<string, FileResult>,
  outcomes: Outcomes,
): Promise<void> {
  const settled = files.filter((f) => early.has(fileId(f.ref)));
  const bucket = settled[0]?.ref.bucket;
  if (bucket === undefined) return;
  const sql = loadedFilesSql(
    controlDatabase,
    bucket,
    settled.map((f) => f.ref.key),
    earliestLoadTime(settled.map((f) => f.key)),
  );
  const loaded = loadedFileIds(bucket, await session.query(sql));
  for (const file of settled) {
    const id = fileId(file.ref);
    const outcome = early.get(id);
    if (outcome === undefined) continue;
    outcomes.set(id, loaded.has(id) ? done(0, ALREADY_LOADED) : outcome);
  }
}
