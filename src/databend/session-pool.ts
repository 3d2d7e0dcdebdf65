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

class DriverSession implements SqlSession {
  constructor(readonly connection: Connection) {}

  async exec(sql: string): Promise<number> {
    try {
      return await this.connection.exec(sql);
    } catch (error) {
      throw toDatabendError(error);
    }
  }

  async query(sql: string): Promise<Row[]> {
    try {
      const rows = await this.connection.queryAll(sql);
      return rows.map((row) => row.data() as Row);
    } catch (error) {
      throw toDatabendError(error);
    }
  }
}

export class SessionPool {
  private readonly client: Client;
  private readonly idle: DriverSession[] = [];
  private closed = false;

  constructor(dsn: string) {
    this.client = new Client(dsn);
  }

  /** Runs `work` on a session of its own; a session whose work failed is not reused. */
  async with<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    // Transient: a batch that meets a closed pool (shutdown) goes back to the queue.
    if (this.closed) throw new DatabendConnectionError('the Databend session pool is closed');
    const session = this.idle.pop() ?? new DriverSession(await this.connect());
    let healthy = false;
    try {
      const result = await work(session);
      healthy = true;
      return result;
    } finally {
      if (healthy && !this.closed) this.idle.push(session);
      else await session.connection.close().catch(() => undefined);
    }
  }

  private async connect(): Promise<Connection> {
    try {
      return await this.client.getConn();
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
