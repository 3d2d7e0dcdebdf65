/**
 * The files a failed batch transaction names, settled so the rest of the batch can go again
 * without them: files the ledger check found loaded (done), objects that are not the announced
 * versions (ignored) and files with rows no ODS can take (poison).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DatabendCode, DatabendError } from '../databend/error-codes.js';
import { fileId } from '../files/file-ref.js';
import {
  staleMessage,
  staleObjects,
  StaleObjectsError,
  VersionCheckError,
  type StaleReason,
} from '../files/object-version.js';
import type { InvalidRowsError } from '../merge/batch-transaction.js';
import { fileMark } from '../merge/batch-fence.js';
import { done, ignored, poison, type FileResult } from './file-outcome.js';
import type { InspectedFile } from './file-inspection.js';
import type { PendingFile } from './pending-file.js';

/** Outcomes by fileId, filled in as the batch goes. */
type Outcomes = Map<string, FileResult>;

export const ALREADY_LOADED = 'already in the ledger';

/** Files the transaction's ledger check found loaded (LoadedMeanwhileError's marks) are done. */
export function settleLoaded(
  files: readonly PendingFile[],
  marks: ReadonlySet<string>,
  outcomes: Outcomes,
): void {
  for (const f of files)
    if (marks.has(fileMark(f.ref.key, f.ref.etag)))
      outcomes.set(fileId(f.ref), done(0, ALREADY_LOADED));
}

/**
 * The files of a failed batch whose objects are not the announced versions: from the check
 * after COPY, or, when COPY itself failed because an object vanished (3001), from a check made
 * now. Undefined when the failure had another cause.
 */
export async function staleFiles(
  s3: S3Client,
  error: unknown,
  ready: readonly InspectedFile[],
): Promise<ReadonlyMap<string, StaleReason> | undefined> {
  if (error instanceof StaleObjectsError) return error.files;
  if (error instanceof VersionCheckError)
    throw new DatabendError(error.message, { transient: true, cause: error });
  if (!(error instanceof DatabendError) || error.code !== DatabendCode.StorageNotFound)
    return undefined;
  const stale = await staleObjects(
    s3,
    ready.map((r) => r.file.ref),
  ).catch((e: unknown) => {
    throw new DatabendError((e as Error).message, { transient: true, cause: e });
  });
  return stale.size > 0 ? stale : undefined;
}

/** Settles the replaced or vanished files as ignored; returns the others. */
export function ignoreStale(
  stale: ReadonlyMap<string, StaleReason>,
  ready: readonly InspectedFile[],
  outcomes: Outcomes,
): PendingFile[] {
  const rest: PendingFile[] = [];
  for (const { file } of ready) {
    const why = stale.get(file.ref.key);
    if (why === undefined) rest.push(file);
    else outcomes.set(fileId(file.ref), ignored(staleMessage(file.ref, why)));
  }
  return rest;
}

/** Settles the files with invalid rows as poison; returns the others. */
export function poisonInvalidRows(
  error: InvalidRowsError,
  ready: readonly InspectedFile[],
  outcomes: Outcomes,
): PendingFile[] {
  const rest: PendingFile[] = [];
  for (const { file } of ready) {
    const bad = error.files.get(file.ref.key);
    if (bad === undefined) {
      rest.push(file);
      continue;
    }
    const keys = (file.route.primaryKey ?? []).join(', ');
    const why = [
      ...(bad.badOps > 0 ? [`${bad.badOps} row(s) with an Op other than I, U or D`] : []),
      ...(bad.nullKeys > 0
        ? [`${bad.nullKeys} row(s) with a NULL in primary-key column(s) ${keys}`]
        : []),
    ];
    outcomes.set(fileId(file.ref), poison(why.join('; ')));
  }
  return rest;
}
