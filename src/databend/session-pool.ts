/**
 * Databend sessions for the pipeline. Each databend-driver connection is one server session with
 * its own transaction state, so a batch transaction holds one connection for its whole life; the
 * pool reuses healthy connections and drops any that failed below the SQL layer.
 */
import { Client, type Connection } from 'databend-driver';
import { DatabendConnectionError, toDatabendError } from './error-codes.js';

export type Row = Readonly<Record<string, unknown>>;

export interface SqlSession {
  exec(sql: string): Promise<number>;
  query(sql: string): Promise<Row[]>;
}

/**
 * Most a statement may take. A server or network that went silent (a half-open connection, a
 * hung node) would otherwise hold a batch, its table and its messages for ever. The error is a
 * transport error, so a batch that meets it is rolled back (its session dropped) and retried like
 * any transient failure. Default 15 minutes: a COPY or MERGE of a 2 GiB batch takes minutes.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15 * 60_000;

export interface SessionPoolOptions {
  /** See DEFAULT_STATEMENT_TIMEOUT_MS; also bounds logging in a new session. */
  readonly statementTimeoutMs?: number;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DatabendConnectionError(`Databend did not answer within ${timeoutMs} ms: ${what}`),
        ),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The statement's first words, for the timeout's message (never its literals in full). */
function statementHead(sql: string): string {
  return sql.length > 60 ? `${sql.slice(0, 60)}…` : sql;
}

/** Runs SQL on a session of its own (SessionPool fits; tests may wrap one). */
export interface SessionSource {
  with<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
}

class DriverSession implements SqlSession {
  constructor(
    readonly connection: Connection,
    private readonly timeoutMs: number,
  ) {}

  async exec(sql: string): Promise<number> {
    try {
      return await withTimeout(this.connection.exec(sql), this.timeoutMs, statementHead(sql));
    } catch (error) {
      throw toDatabendError(error);
    }
  }

  async query(sql: string): Promise<Row[]> {
    try {
      const rows = await withTimeout(
        this.connection.queryAll(sql),
        this.timeoutMs,
        statementHead(sql),
      );
      return rows.map((row) => row.data() as Row);
    } catch (error) {
      throw toDatabendError(error);
    }
  }
}

export class SessionPool implements SessionSource {
  private readonly client: Client;
  private readonly idle: DriverSession[] = [];
  private closed = false;

  private readonly timeoutMs: number;

  constructor(dsn: string, options: SessionPoolOptions = {}) {
    this.client = new Client(dsn);
    this.timeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  }

  /** Runs `work` on a session of its own; a session whose work failed is not reused. */
  async with<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    // Transient: a batch that meets a closed pool (shutdown) goes back to the queue.
    if (this.closed) throw new DatabendConnectionError('the Databend session pool is closed');
    const session = this.idle.pop() ?? new DriverSession(await this.connect(), this.timeoutMs);
    let healthy = false;
    try {
      const result = await work(session);
      healthy = true;
      return result;
    } finally {
      if (healthy && !this.closed) this.idle.push(session);
      // Not awaited: a session that timed out may never answer its close either.
      else void session.connection.close().catch(() => undefined);
    }
  }

  private async connect(): Promise<Connection> {
    try {
      return await withTimeout(this.client.getConn(), this.timeoutMs, 'logging in');
    } catch (error) {
      throw toDatabendError(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const sessions = this.idle.splice(0);
    await Promise.all(sessions.map((s) => s.connection.close().catch(() => undefined)));
  }
}
