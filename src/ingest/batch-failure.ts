/**
 * What a failed batch attempt means, decided by what the error is, not where it was caught:
 * - `databend`: Databend refused or could not be reached; its code says transient or permanent.
 * - `unwritable`: a name or value from the files has no SQL spelling (SqlQuoteError): bad input.
 * - `conflict`: another writer committed to the table during the batch (4001/2011 at COMMIT, or
 *   its files showed up in the ledger after our claim): the batch runs again at once.
 * - `fenced`: this process may not write (no lease, or a newer fencing token claimed the table):
 *   its files go back to the queue for the writer that may.
 * - `bug`: anything else (a TypeError, a broken invariant) is a defect of this program. It is
 *   never reported as bad input: the batch's files go back to the queue and the error is logged
 *   with its stack.
 */
import { DatabendCode, DatabendError } from '../databend/error-codes.js';
import { SqlQuoteError } from '../databend/quote.js';
import { FencedError, LoadedMeanwhileError } from '../merge/batch-fence.js';

/**
 * A commit conflict means another writer committed to the table: the batch runs again at once,
 * re-reading the ledger, without using up an attempt (its files are not at fault). Bounded only
 * so that a table two writers keep fighting over still ends in a `retry`.
 */
export const MAX_CONFLICT_RETRIES = 50;
/** Batches refused by the lease check and run again once a late lease renewal came back. */
export const MAX_FENCED_RETRIES = 3;

export type BatchFailure =
  | { readonly kind: 'conflict'; readonly error: Error }
  | { readonly kind: 'fenced'; readonly error: FencedError }
  | { readonly kind: 'databend'; readonly error: DatabendError }
  | { readonly kind: 'unwritable'; readonly error: SqlQuoteError }
  | { readonly kind: 'bug'; readonly error: Error };

export function classifyBatchError(error: unknown): BatchFailure {
  if (error instanceof FencedError) return { kind: 'fenced', error };
  if (error instanceof LoadedMeanwhileError) return { kind: 'conflict', error };
  if (
    error instanceof DatabendError &&
    (error.code === DatabendCode.UnresolvableConflict ||
      error.code === DatabendCode.OCCRetryFailure)
  )
    return { kind: 'conflict', error };
  if (error instanceof DatabendError) return { kind: 'databend', error };
  if (error instanceof SqlQuoteError) return { kind: 'unwritable', error };
  return {
    kind: 'bug',
    error: error instanceof Error ? error : new Error(`non-Error thrown: ${String(error)}`),
  };
}

/** The poison reason of a file that alone fails permanently. */
export function permanentReason(failure: BatchFailure): string {
  return failure.kind === 'unwritable'
    ? `the file cannot be written as SQL: ${failure.error.message}`
    : `Databend rejected the file: ${failure.error.message}`;
}
