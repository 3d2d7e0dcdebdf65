/**
 * What the operator commands share: the clients they need, built from the configuration and
 * closed when the command ends, and one way to end a command with a message and an exit code.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { s3Client, sqsClient } from '../clients.js';
import { ConfigError, type Config } from '../config.js';
import { DatabendCode, DatabendError } from '../databend/error-codes.js';
import { SessionPool, type Row, type SqlSession } from '../databend/session-pool.js';

export interface OperatorContext {
  readonly config: Config;
  readonly pool: SessionPool;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/** Runs `work` with fresh clients and closes them afterwards, whatever happened. */
export async function withOperatorContext<T>(
  config: Config,
  work: (context: OperatorContext) => Promise<T>,
): Promise<T> {
  const pool = new SessionPool(config.databend.dsn, {
    statementTimeoutMs: config.databend.statementTimeoutMs,
  });
  const s3 = s3Client(config);
  const sqs = sqsClient(config);
  try {
    return await work({ config, pool, s3, sqs });
  } finally {
    await pool.close();
    s3.destroy();
    sqs.destroy();
  }
}

/** A command that cannot do what was asked; its message is for the operator, without a stack. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
}

/**
 * Wraps a command's action: a failure prints one `<command>: <message>` line on stderr and sets
 * exit code 1. Configuration errors go to main, which prints them and exits 2.
 */
export function operatorAction<A extends unknown[]>(
  command: string,
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      process.stderr.write(`${command}: ${firstLine(error)}\n`);
      process.exitCode = 1;
    }
  };
}

/** An error's message cut to its first line: driver errors append pages of context. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]?.trim() ?? '';
}

/**
 * Runs a read of the service's own tables; no rows when its database or table does not exist
 * (before the service first ran, nothing has been loaded).
 */
export async function queryIfExists(session: SqlSession, sql: string): Promise<Row[]> {
  try {
    return await session.query(sql);
  } catch (error) {
    if (
      error instanceof DatabendError &&
      (error.code === DatabendCode.UnknownDatabase || error.code === DatabendCode.UnknownTable)
    )
      return [];
    throw error;
  }
}
