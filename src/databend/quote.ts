/**
 * The one place where names and values become SQL text.
 *
 * Engine facts this relies on (checked against Databend 1.2.895):
 *
 * Identifiers
 * - A backtick-quoted identifier is the token `[^`]*`: every character but a backtick is taken
 *   literally (backslashes included) and there is no escape at all — "``" is a syntax error.
 *   Backticks mean an identifier in every `sql_dialect`, so they are the first choice.
 * - A double-quoted identifier doubles an inner `"` ("a""b" is a"b). It is an identifier only in
 *   the default `sql_dialect = 'PostgreSQL'` (in MySQL mode it is a string). Its tokenizer pairs a
 *   backslash with the character after it, although the name keeps the backslash literally; so a
 *   name in which an odd run of backslashes precedes a `"` or the end cannot be written this way.
 *   Double quotes are therefore used only for names that contain a backtick.
 * - Unquoted identifiers fold to lower case. Quoted identifiers keep their case and are
 *   case-sensitive by default (`quoted_ident_case_sensitive = 1`): `Orders` and `orders` are two
 *   tables, and a table may have columns `Id` and `id`. A server with
 *   `quoted_ident_case_sensitive = 0` folds quoted names to lower case too, and then names that
 *   differ only in case collide (CREATE TABLE fails with 1006 "Duplicated column name").
 *
 * String literals
 * - Inside '…' a backslash starts an escape (\n \t \r \b \f \' \" \\ \xHH \uHHHH and octal
 *   \ooo; an octal escape swallows every following octal digit), and '' is a quote. Unknown
 *   escapes keep the backslash. So both `\` and `'` must be escaped, and NUL is written as \x00
 *   (never \0, which would absorb a following digit).
 */

/** Why a name or value cannot be written as SQL. */
export class SqlQuoteError extends Error {
  override readonly name = 'SqlQuoteError';
}

// A lone UTF-16 surrogate has no UTF-8 form, so it can never reach the engine intact.
const LONE_SURROGATE = /\p{Cs}/u;

/** Quote an identifier (database, table or column name) so Databend reads back exactly `name`. */
export function quoteIdent(name: string): string {
  if (name.length === 0) {
    throw new SqlQuoteError('cannot quote an empty identifier');
  }
  if (name.includes('\0')) {
    throw new SqlQuoteError(`cannot quote identifier ${JSON.stringify(name)}: it contains NUL`);
  }
  if (LONE_SURROGATE.test(name)) {
    throw new SqlQuoteError(
      `cannot quote identifier ${JSON.stringify(name)}: it contains a lone UTF-16 surrogate`,
    );
  }
  if (!name.includes('`')) {
    return `\`${name}\``;
  }
  if (!doubleQuotable(name)) {
    throw new SqlQuoteError(
      `cannot quote identifier ${JSON.stringify(name)}: it contains a backtick and a backslash ` +
        'before a double quote or at its end, which no Databend identifier syntax can express',
    );
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * True when `"` + name with doubled quotes + `"` tokenizes as one identifier: the tokenizer
 * pairs each backslash with the next character, so a backslash must never pair with a quote.
 */
function doubleQuotable(name: string): boolean {
  let run = 0;
  for (const ch of name) {
    if (ch === '\\') {
      run += 1;
      continue;
    }
    if (ch === '"' && run % 2 === 1) {
      return false;
    }
    run = 0;
  }
  return run % 2 === 0;
}

/** `db`.`table`, each part quoted. */
export function qualified(db: string, table: string): string {
  return `${quoteIdent(db)}.${quoteIdent(table)}`;
}

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "''",
  '\0': '\\x00',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * Quote a string literal. Backslash and quote are escaped; NUL, newline, carriage return and tab
 * become escapes so the SQL text stays one printable line in logs. Everything else, non-ASCII
 * included, is written as is.
 */
export function quoteString(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new SqlQuoteError(
      `cannot quote string ${JSON.stringify(value.slice(0, 80))}: it contains a lone UTF-16 surrogate`,
    );
  }
  return `'${value.replace(/[\\'\0\n\r\t]/g, (ch) => STRING_ESCAPES[ch] ?? ch)}'`;
}

/**
 * A TIMESTAMP literal of an instant: `'2026-01-02 03:04:05.678'::TIMESTAMP`, in UTC (the
 * service's sessions and timestampFromText in rows.ts read timestamps as UTC).
 */
export function quoteTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SqlQuoteError('cannot quote an invalid date');
  return `${quoteString(date.toISOString().replace('T', ' ').replace('Z', ''))}::TIMESTAMP`;
}

const BARE_STAGE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Databend cannot quote stage names (`@\`x\`` is a syntax error), so only bare words are allowed. */
export function stageName(name: string): string {
  if (!BARE_STAGE_NAME.test(name)) {
    throw new Error(
      `stage name ${JSON.stringify(name)} must be letters, digits and underscores, not starting with a digit`,
    );
  }
  return name;
}
