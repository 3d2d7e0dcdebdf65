// The local stack's MySQL source (MariaDB) for reconcile tests: its URLs, and a root connection.
import { createConnection, type Connection } from 'mysql2/promise';
import { readStackEnv } from '../../stack/stack.js';

export interface MysqlStack {
  /** Root: creates and changes the simulated source. */
  readonly rootUrl: string;
  /** The SELECT-only user reconcile runs as. */
  readonly reconcileUrl: string;
}

export function mysqlStack(): MysqlStack {
  const env = readStackEnv();
  const rootUrl = env?.MYSQL_URL;
  const reconcileUrl = env?.MYSQL_RECONCILE_URL;
  if (rootUrl === undefined || reconcileUrl === undefined)
    throw new Error(
      '.stack/env has no MYSQL_URL: the stack runs without MariaDB (npm run stack:install installs it)',
    );
  return { rootUrl, reconcileUrl };
}

export async function mysqlRoot(): Promise<Connection> {
  const conn = await createConnection({ uri: mysqlStack().rootUrl });
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

export async function dropSourceSchema(schema: string): Promise<void> {
  const conn = await mysqlRoot();
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${schema.replaceAll('`', '``')}\``);
  } finally {
    await conn.end();
  }
}
