/**
 * What a failed batch attempt means, decided by what the error is, not where it was caught:
 * - `databend`: Databend refused or could not be reached; its code says transient or permanent.
 * - `unwritable`: a name or value from the files has no SQL spelling (SqlQuoteError): bad input.
 * - `bug`: anything else (a TypeError, a broken invariant) is a defect of this program. It is
 *   never reported as bad input: the batch's files go back to the queue and the error is logged
 *   with its stack.
 */
import { DatabendError } from '../databend/error-codes.js';
import { SqlQuoteError } from '../databend/quote.js';

export type BatchFailure =
  | { readonly kind: 'databend'; readonly error: DatabendError }
  | { readonly kind: 'unwritable'; readonly error: SqlQuoteError }
  | { readonly kind: 'bug'; readonly error: Error };

export function classifyBatchError(error: unknown): BatchFailure {
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
