/**
 * The one root logger (pino, JSON lines on stdout) and the subscriber that turns pipeline events
 * into log lines. Modules take `root.child({ module: '…' })`; batches add `{ table, batch }`.
 *
 * Writes are synchronous: the service logs about one line per batch and per message, so the cost
 * is nothing, and a line written just before `process.exit` (a fatal error, a forced shutdown)
 * is never lost in a buffer.
 */
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';
import { combineUndo, type PipelineEvents } from './events.js';

export type { Logger } from 'pino';
export type LogLevel = Config['log']['level'];

/** Keys whose values never reach a log line, at any depth up to four levels. */
const SECRET_KEYS = [
  'dsn',
  'password',
  'secret',
  'token',
  'authorization',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'access_key_id',
  'secret_access_key',
  'session_token',
] as const;

/** pino redaction paths: `*` matches exactly one level, so each depth is listed. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
  `*.*.*.${key}`,
]);

/** `scheme://user:password@host` → `scheme://user:***@host`, in free text such as error messages. */
export function scrubUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]+@/gi, '$1***@');
}

/** pino's error serializer, then credentials scrubbed from the message and stack (driver errors
 * may quote the DSN they failed to reach). Values that are not errors pass through, strings
 * scrubbed. */
function serializeError(value: unknown): unknown {
  if (typeof value === 'string') return scrubUrlCredentials(value);
  if (!(value instanceof Error)) return value;
  const serialized = stdSerializers.err(value);
  if (typeof serialized.message === 'string')
    serialized.message = scrubUrlCredentials(serialized.message);
  if (typeof serialized.stack === 'string')
    serialized.stack = scrubUrlCredentials(serialized.stack);
  return serialized;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout (synchronously) when absent. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: 'bend-replicator',
      level: options.level,
      redact: { paths: [...REDACT_PATHS], censor: '***' },
      serializers: { err: serializeError, error: serializeError },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Resolves once buffered lines are written (immediately for a synchronous destination). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => resolve());
  });
}

/**
 * Logs the pipeline's events: one line per committed batch (table, files, rows, durations), one
 * per failed batch, one per message outcome, and every pause, resume and sweep find.
 * Returns a function that unsubscribes.
 */
export function logPipelineEvents(events: PipelineEvents, logger: Logger): () => void {
  const log = logger.child({ module: 'pipeline' });
  return combineUndo([
    events.on('batch:committed', (e) => {
      log.info(
        {
          table: e.table,
          batch: e.batchId,
          files: e.files,
          rows: e.rows,
          rowsMerged: e.rowsMerged,
          lookupMs: e.lookupMs,
          copyMs: e.copyMs,
          mergeMs: e.mergeMs,
          totalMs: e.totalMs,
          oldestEventTime: e.oldestEventTime?.toISOString(),
          newestCommitTime: e.newestCommitTime?.toISOString(),
        },
        'batch committed',
      );
    }),
    events.on('batch:failed', (e) => {
      const fields = { table: e.table, batch: e.batchId, attempt: e.attempt, err: e.error };
      if (e.bug === true)
        log.error(
          fields,
          'batch failed on an internal error (a bug); its files go back to the queue',
        );
      else if (e.transient) log.warn(fields, 'batch failed, will retry');
      else log.error(fields, 'batch failed');
    }),
    events.on('batch:conflict', (e) => {
      log.info({ table: e.table }, 'another writer committed to the table first; batch runs again');
    }),
    events.on('batch:fenced', (e) => {
      log.warn(
        { table: e.table, reason: e.reason },
        'batch not committed: this process may not write; its files go back to the queue',
      );
    }),
    events.on('file:outcome', (e) => {
      const fields = { table: e.table, key: e.key, outcome: e.outcome, reason: e.reason };
      if (e.outcome === 'poison') log.error(fields, 'message poison');
      else if (e.outcome === 'retry') log.warn(fields, 'message retry');
      else log.info(fields, `message ${e.outcome}`);
    }),
    events.on('table:paused', (e) => {
      log.error({ table: e.table, reason: e.reason }, 'table paused');
    }),
    events.on('table:resumed', (e) => {
      log.info({ table: e.table }, 'table resumed');
    }),
    events.on('file:found-by-sweep', (e) => {
      // A file the events did not bring: its notification was lost or predates the service.
      log.warn({ table: e.table, key: e.key }, 'file found by sweep');
    }),
    events.on('retention:completed', (e) => {
      log.info({ rowsDeleted: e.rowsDeleted, durationMs: e.durationMs }, 'raw retention done');
    }),
    events.on('retention:failed', (e) => {
      log.error({ err: e.error }, 'raw retention failed');
    }),
  ]);
}
