/**
 * The key range of a batch, for the MERGE's ON clause. Without it Databend reads every block of
 * the ODS table to probe the batch's keys (EXPLAIN: 50 of 50 blocks of a 20 M-row table); with
 * `t.k >= lower AND t.k <= upper` on the first key column it prunes by the blocks' min/max
 * before reading (1 of 50 for a batch of the newest keys). The condition is on the target only,
 * and every source key lies inside it, so it changes no match: each source row meets the same
 * target row as before.
 *
 * The bounds come from the batch's Op summary (the same raw rows the MERGE reads), as text, and
 * go back as literals only for types whose text is exact: integers, strings and decimals. For
 * any other key type (floats, dates, timestamps…) there is no range and the MERGE reads as it
 * did.
 */
import { quoteIdent, quoteString } from '../databend/quote.js';

/** SQL literals of the key column's type. */
export interface KeyBounds {
  readonly lower: string;
  readonly upper: string;
}

export interface MergeKeyRange extends KeyBounds {
  readonly column: string;
}

/** Summary columns: the whole batch's least and greatest value of the column, and its type. */
export function keyRangeSummaryColumns(column: string): string {
  const k = quoteIdent(column);
  return (
    `(min(min(${k})) OVER ())::STRING AS keymin, (max(max(${k})) OVER ())::STRING AS keymax, ` +
    `typeof(min(${k})) AS keytype`
  );
}

const INTEGER_TYPE = /^(TINYINT|SMALLINT|INT|BIGINT)( UNSIGNED)?( NULL)?$/;
const STRING_TYPE = /^(VARCHAR|STRING)( NULL)?$/;
const DECIMAL_TYPE = /^(DECIMAL\(\d+, ?\d+\))( NULL)?$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The literal of a value as the summary printed it; undefined when it might not be exact. */
function literal(type: string, value: string): string | undefined {
  if (INTEGER_TYPE.test(type)) return INTEGER.test(value) ? value : undefined;
  if (STRING_TYPE.test(type)) return quoteString(value);
  const decimal = DECIMAL_TYPE.exec(type);
  if (decimal !== null && DECIMAL.test(value))
    return `CAST(${quoteString(value)} AS ${decimal[1]})`;
  return undefined;
}

/** The bounds from a summary row (every row carries the same); undefined when it has none. */
export function keyRangeFromSummary(
  row: Readonly<Record<string, unknown>> | undefined,
): KeyBounds | undefined {
  const { keymin, keymax, keytype } = row ?? {};
  if (typeof keymin !== 'string' || typeof keymax !== 'string' || typeof keytype !== 'string')
    return undefined;
  const lower = literal(keytype, keymin);
  const upper = literal(keytype, keymax);
  return lower === undefined || upper === undefined ? undefined : { lower, upper };
}

/** The ON clause's condition on the target table `t`. */
export function keyRangeCondition(range: MergeKeyRange): string {
  const k = `t.${quoteIdent(range.column)}`;
  return `${k} >= ${range.lower} AND ${k} <= ${range.upper}`;
}
