/**
 * One batch of one table in one transaction: the fencing step (claim, lease, ledger), COPY into
 * raw, check Op and key values, MERGE into ODS, ledger rows, COMMIT. Nothing of the batch is visible unless all of it is. DDL is never issued
 * here: it would commit the open transaction.
 */
import { timestampFromText } from '../databend/rows.js';
import type { SqlSession } from '../databend/session-pool.js';
import { copiedRows } from './copy-sql.js';
import { batchSummaryFromRow, type BatchSummaryRow } from './merge-sql.js';
import { fenceBatch, type FenceStatements } from './batch-fence.js';
import { keyRangeFromSummary, type KeyBounds } from './merge-key-range.js';

export interface BatchStatements {
  /** Runs first; makes writers of one table exclude each other (batch-fence.ts). */
  readonly fence: FenceStatements;
  readonly copies: readonly string[];
  /**
   * False when the service compacts raw on its own schedule (control/raw-compaction.ts): the
   * COPYs then run with the engine's after-write compaction off, which otherwise made one batch
   * in 25 up to 0.9 s slower on an aged table. A session setting (SET … UNSET around the COPYs):
   * a `SETTINGS (…)` clause would run the COPY outside the transaction.
   */
  readonly compactRawAfterWrite: boolean;
  /** batchSummarySql: (file, op, n, nullkeys, newest) for the batch's raw rows. */
  readonly summary: string;
  /** Absent for tables without a primary key: they load to raw only. */
  readonly merge: string | undefined;
  /**
   * The MERGE with the batch's key range (merge-key-range.ts), when the summary reports one:
   * run instead of `merge`, it reads only the ODS blocks that can hold the batch's keys.
   */
  readonly mergeInKeyRange?: (bounds: KeyBounds) => string;
  /** Builds the ledger INSERT from the rows COPY loaded per file. */
  readonly ledger: (rowsByFile: ReadonlyMap<string, number>) => string;
}

export interface BatchResult {
  readonly rowsByFile: ReadonlyMap<string, number>;
  readonly rowsByOp: { I: number; U: number; D: number };
  /** The newest DMS timestamp among the batch's rows, if the files carry one. */
  readonly newestCommitTime: Date | undefined;
  readonly rowsMerged: number;
  /** The fencing step's ledger check (part of copyMs): the batch's one ledger look-up. */
  readonly ledgerCheckMs: number;
  readonly copyMs: number;
  readonly mergeMs: number;
  readonly totalMs: number;
}

/** Rows of one file that no ODS can take. */
export interface InvalidRows {
  /** Rows whose Op is not I, U or D (NULL included). */
  readonly badOps: number;
  /** Rows with a NULL in a primary-key column: NULL never equals NULL, so they would pile up. */
  readonly nullKeys: number;
}

/** Files with rows no ODS can take, by key; the transaction was rolled back. */
export class InvalidRowsError extends Error {
  override readonly name = 'InvalidRowsError';
  constructor(readonly files: ReadonlyMap<string, InvalidRows>) {
    super(
      [...files]
        .map(
          ([file, r]) => `${file}: ${r.badOps} row(s) with a bad Op, ${r.nullKeys} with a NULL key`,
        )
        .join('; '),
    );
  }
}

/** Steps a caller adds inside the transaction; one that throws rolls the batch back. */
export interface BatchSteps {
  /**
   * After COPY, before anything else: checks that the rows COPY loaded are of the object
   * versions the ledger rows will name (files/object-version.ts).
   */
  readonly checkVersions?: (rowsByFile: ReadonlyMap<string, number>) => Promise<void>;
}

export async function runBatchTransaction(
  session: SqlSession,
  statements: BatchStatements,
  steps: BatchSteps = {},
): Promise<BatchResult> {
  const started = performance.now();
  await session.exec('BEGIN');
  try {
    const ledgerCheckMs = await fenceBatch(session, statements.fence);
    const rowsByFile = await copyIntoRaw(session, statements);
    await steps.checkVersions?.(rowsByFile);
    const copied = performance.now();
    const summaryRows = await session.query(statements.summary);
    const summary = summarize(summaryRows.map(batchSummaryFromRow));
    const merge = mergeStatement(statements, summaryRows[0]);
    const rowsMerged = merge === undefined ? 0 : await session.exec(merge);
    const merged = performance.now();
    await session.exec(statements.ledger(rowsByFile));
    await session.exec('COMMIT');
    return {
      rowsByFile,
      ...summary,
      rowsMerged,
      ledgerCheckMs,
      copyMs: copied - started,
      mergeMs: merged - copied,
      totalMs: performance.now() - started,
    };
  } catch (error) {
    // Clears an active or failed transaction; harmless when COMMIT already ended it.
    await session.exec('ROLLBACK').catch(() => undefined);
    // The pooled session goes on to other work with the engine's default.
    if (!statements.compactRawAfterWrite)
      await session.exec(UNSET_NO_COMPACTION).catch(() => undefined);
    throw error;
  }
}

const NO_COMPACTION = 'SET enable_compact_after_write = 0';
const UNSET_NO_COMPACTION = 'UNSET enable_compact_after_write';

/** The COPYs into raw; the rows each loaded by file. */
async function copyIntoRaw(
  session: SqlSession,
  statements: BatchStatements,
): Promise<Map<string, number>> {
  const rowsByFile = new Map<string, number>();
  if (!statements.compactRawAfterWrite) await session.exec(NO_COMPACTION);
  for (const copy of statements.copies)
    for (const [file, rows] of copiedRows(await session.query(copy))) rowsByFile.set(file, rows);
  if (!statements.compactRawAfterWrite) await session.exec(UNSET_NO_COMPACTION);
  return rowsByFile;
}

/** The MERGE to run: in the batch's key range when the statements and the summary allow it. */
function mergeStatement(
  statements: BatchStatements,
  summaryRow: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (statements.merge === undefined || statements.mergeInKeyRange === undefined)
    return statements.merge;
  const range = keyRangeFromSummary(summaryRow);
  return range === undefined ? statements.merge : statements.mergeInKeyRange(range);
}

function summarize(
  rows: readonly BatchSummaryRow[],
): Pick<BatchResult, 'rowsByOp' | 'newestCommitTime'> {
  const rowsByOp = { I: 0, U: 0, D: 0 };
  const invalidOp = new Map<string, number>();
  const nullKeys = new Map<string, number>();
  let newestTimestamp: string | undefined;
  let nullSeqs = 0;
  for (const { file, op, rows: n, nullKeys: nulls, nullSeqs: seqs, newest } of rows) {
    nullSeqs += seqs;
    if (op === 'I' || op === 'U' || op === 'D') rowsByOp[op] += n;
    else invalidOp.set(file, (invalidOp.get(file) ?? 0) + n);
    if (nulls > 0) nullKeys.set(file, (nullKeys.get(file) ?? 0) + nulls);
    if (newest !== undefined && (newestTimestamp === undefined || newest > newestTimestamp))
      newestTimestamp = newest;
  }
  if (nullSeqs > 0) {
    // Not bad input: a fault of the service (a file without a rank), so a plain Error, which
    // the loader reports as a bug and never blames on a file. Never committed.
    throw new Error(`the batch would write ${nullSeqs} raw row(s) with a NULL _seq; rolled back`);
  }
  if (invalidOp.size > 0 || nullKeys.size > 0) {
    const files = new Map<string, InvalidRows>();
    for (const file of new Set([...invalidOp.keys(), ...nullKeys.keys()]))
      files.set(file, { badOps: invalidOp.get(file) ?? 0, nullKeys: nullKeys.get(file) ?? 0 });
    throw new InvalidRowsError(files);
  }
  return {
    rowsByOp,
    newestCommitTime:
      newestTimestamp === undefined ? undefined : timestampFromText(newestTimestamp),
  };
}
