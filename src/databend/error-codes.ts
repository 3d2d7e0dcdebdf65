/**
 * Turns whatever databend-driver rejects with into an error that says whether retrying the whole
 * batch transaction can help.
 *
 * databend-driver 0.33.7 rejects with a plain `Error` whose message is the only carrier of the
 * server's code, e.g.
 *   `APIError: QueryFailed: [1025]Unknown table 'x' [v0.33.7]`             (HTTP 200, query failed)
 *   `APIError: BadRequest:(400 Bad Request)[1006]…`                        (non-200 with a code)
 *   `APIError: [request_kind=login]: reqwest::Error: error sending request, source_chain=…
 *      -> Connection refused (os error 111) [v0.33.7]`                     (transport)
 */

/**
 * Server codes after which the same batch, rolled back and run again, can succeed.
 * 4001/2011: optimistic commit conflicts; 4002: the transaction was already aborted by an earlier
 * failure (the rollback clears it); 4003 and 5110/5111: the server lost the transaction or
 * session (timeout, restart, routing); 2009/2015/2016: table version or lock races; 1042/1043:
 * the query or session was aborted under us; 1122: timeout; 2001: meta service trouble;
 * 2411: memory limit under load; 3901: storage unavailable.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  1042, 1043, 1122, 2001, 2009, 2011, 2015, 2016, 2411, 3901, 4001, 4002, 4003, 5110, 5111,
]);

/** Named codes other modules branch on. */
export const DatabendCode = {
  UnknownDatabase: 1003,
  SyntaxException: 1005,
  BadArguments: 1006,
  UnknownTable: 1025,
  BadBytes: 1046,
  UnknownColumn: 1058,
  SemanticError: 1065,
  AddColumnExistError: 1108,
  ParquetFileInvalid: 1201,
  OCCRetryFailure: 2011,
  TableAlreadyExists: 2302,
  StorageNotFound: 3001,
  UnresolvableConflict: 4001,
  CurrentTransactionIsAborted: 4002,
  TransactionTimeout: 4003,
  SessionLost: 5111,
} as const;

export function isTransientCode(code: number): boolean {
  return TRANSIENT_CODES.has(code);
}

/** A failure talking to Databend, classified for the batch transaction. */
export class DatabendError extends Error {
  override readonly name: string = 'DatabendError';
  /** The server's error code, when the server answered with one. */
  readonly code: number | undefined;
  /** True when rolling back and retrying the whole batch may succeed. */
  readonly transient: boolean;

  constructor(
    message: string,
    options: { code?: number | undefined; transient: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.transient = options.transient;
  }
}

/** The server answered with an error code. */
export class DatabendQueryError extends DatabendError {
  override readonly name = 'DatabendQueryError';
  declare readonly code: number;

  constructor(code: number, message: string, cause?: unknown) {
    super(message, { code, transient: isTransientCode(code), cause });
  }
}

/** The server could not be reached, or the HTTP exchange failed without a code. Always transient. */
export class DatabendConnectionError extends DatabendError {
  override readonly name = 'DatabendConnectionError';

  constructor(message: string, cause?: unknown) {
    super(message, { transient: true, cause });
  }
}

// The code sits right after the driver's error kind: "QueryFailed: [1025]", "AuthFailure: [5100]",
// "BadRequest:(400 Bad Request)[1006]". Anchoring on the kind keeps a bracketed number inside the
// server's own text (a table named "[42]") from being taken for the code.
const CODE_PATTERN = /(?:QueryFailed: |AuthFailure: |BadRequest:\([^)]*\))\[(\d+)\]/;

// Failures below the SQL layer: no code, nothing was executed or its outcome is unknown.
const TRANSPORT_PATTERNS: readonly RegExp[] = [
  /reqwest::Error/,
  /error sending request/i,
  /connection (?:refused|reset|closed|aborted)/i,
  /\btimed out\b|\btimeout\b/i,
  /broken pipe/i,
  /QueryNotFound/,
  /ResponseError: \((?:429|5\d\d)\b/,
  /DecodeError: fail to decode JSON response/,
];

/** The Databend error code in a driver error message, if it carries one. */
export function parseErrorCode(message: string): number | undefined {
  const digits = CODE_PATTERN.exec(message)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

/**
 * The server's message without the driver's decoration:
 * "APIError: QueryFailed: [1025]Unknown table 'x' [v0.33.7]" → "Unknown table 'x'".
 */
export function serverMessage(message: string): string {
  const match = CODE_PATTERN.exec(message);
  const text = match === null ? message : message.slice(match.index + match[0].length);
  return text.replace(/ \[v\d+\.\d+\.\d+\]$/, '');
}

/**
 * Classify anything a databend-driver call threw (or a `RowIterator.next()` returned) as a
 * DatabendError with the original as `cause`. Errors without a code that do not look like a
 * transport failure are permanent: retrying a batch that cannot work only delays the poison.
 */
export function toDatabendError(err: unknown): DatabendError {
  if (err instanceof DatabendError) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = parseErrorCode(message);
  if (code !== undefined) {
    return new DatabendQueryError(code, `Databend error ${code}: ${serverMessage(message)}`, err);
  }
  if (TRANSPORT_PATTERNS.some((pattern) => pattern.test(message))) {
    return new DatabendConnectionError(`Databend unreachable: ${message}`, err);
  }
  return new DatabendError(`Databend client error: ${message}`, { transient: false, cause: err });
}
