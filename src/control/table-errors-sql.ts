/**
 * `<control>.table_errors`: the last error of each table (a batch that failed, a poison file),
 * so `status` can say why a table is stuck after the log lines that said so have scrolled away
 * or the process that wrote them is gone. One row per table: each new error replaces the old
 * one; a later success leaves it (its time says how old it is).
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { optionalText, text, timestampFromText } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

const TABLE = 'table_errors';

export const TABLE_ERRORS_COLUMNS = [
  ['table_name', 'VARCHAR'],
  /** `transient` (retried), `permanent` (Databend refused the file), `bug`, `poison`. */
  ['kind', 'VARCHAR'],
  ['message', 'VARCHAR'],
  ['occurred_at', 'TIMESTAMP'],
] as const;

/** A table's last error, as `status` shows it. */
export interface TableError {
  readonly table: string;
  readonly kind: string;
  readonly message: string;
  readonly at: Date;
}

/** Longest message kept: a driver error can carry a whole statement. */
const MAX_MESSAGE_CHARS = 2_000;

/** The statements that make `error` the table's last error (run in one transaction). */
export function recordTableErrorSql(
  controlDatabase: string,
  error: Omit<TableError, 'at'>,
): string[] {
  const target = qualified(controlDatabase, TABLE);
  const columns = TABLE_ERRORS_COLUMNS.map(([name]) => quoteIdent(name)).join(', ');
  return [
    `DELETE FROM ${target} WHERE ${quoteIdent('table_name')} = ${quoteString(error.table)}`,
    `INSERT INTO ${target} (${columns}) VALUES (${quoteString(error.table)}, ` +
      `${quoteString(error.kind)}, ${quoteString(error.message.slice(0, MAX_MESSAGE_CHARS))}, now())`,
  ];
}

/** Every table's last error (the newest row, should a crash have left two). */
export function lastTableErrorsSql(controlDatabase: string): string {
  const c = quoteIdent;
  return (
    `SELECT ${c('table_name')} AS table_name, ${c('kind')} AS kind, ${c('message')} AS message, ` +
    `${c('occurred_at')}::STRING AS occurred_at FROM ${qualified(controlDatabase, TABLE)} ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${c('table_name')} ORDER BY ${c('occurred_at')} DESC) = 1`
  );
}

export function tableErrorsFromRows(rows: readonly Row[]): TableError[] {
  return rows.map((row) => ({
    table: text(row, 'table_name'),
    kind: optionalText(row, 'kind') ?? 'unknown',
    message: optionalText(row, 'message') ?? '',
    at: timestampFromText(text(row, 'occurred_at')),
  }));
}
