/**
 * Rebuilding a table's ODS from its raw change log, in chunks of whole batches. The MERGE itself
 * is merge-sql.ts's, over a range of `_batch` values instead of one.
 */
import { qualified, quoteIdent } from '../databend/quote.js';
import { numeric, text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

/** One file of the raw table, to learn which DMS `<schema>/<table>` feeds it. */
export function rawSampleFileSql(rawDatabase: string, table: string): string {
  return `SELECT ${quoteIdent('_file')} AS file FROM ${qualified(rawDatabase, table)} LIMIT 1`;
}

/**
 * Consecutive runs of batches (in `_batch` order) holding about `chunkRows` rows each: the rows
 * are numbered cumulatively and cut every `chunkRows`. A batch is never split, so a chunk may
 * exceed `chunkRows` by up to one batch. Rows: first_batch, last_batch, row_count (text).
 */
export function rawChunksSql(rawDatabase: string, table: string, chunkRows: number): string {
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${chunkRows}`);
  const batch = quoteIdent('_batch');
  const perBatch = `SELECT ${batch} AS b, count(*) AS n FROM ${qualified(rawDatabase, table)} GROUP BY ${batch}`;
  const cumulative = `SELECT b, n, sum(n) OVER (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum FROM (${perBatch})`;
  return (
    `SELECT min(b) AS first_batch, max(b) AS last_batch, sum(n)::STRING AS row_count ` +
    `FROM (${cumulative}) GROUP BY (cum - 1) DIV ${chunkRows} ORDER BY first_batch`
  );
}

/** A run of whole batches to replay together: a row of rawChunksSql. */
export interface ReplayChunk {
  readonly firstBatch: string;
  readonly lastBatch: string;
  readonly rows: number;
}

export function replayChunkFromRow(row: Row): ReplayChunk {
  return {
    firstBatch: text(row, 'first_batch'),
    lastBatch: text(row, 'last_batch'),
    rows: numeric(row, 'row_count'),
  };
}
