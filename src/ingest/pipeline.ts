/**
 * The replication loop: SQS messages in, files routed to their table's queue, batches loaded,
 * and one outcome per message. Every file and message outcome is emitted as an event (metrics
 * and logs subscribe); nothing is acknowledged before its batch commits.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SessionPool, SqlSession } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import {
  heldFilesSql,
  holdFileSql,
  releaseFileSql,
  tablesWithHeldFilesSql,
} from '../merge/held-files-sql.js';
import { pausedTablesSql, setTablePausedSql } from '../merge/ledger-sql.js';
import { prepareDatabend } from '../merge/prepare.js';
import { tableStatesSql } from '../merge/status-sql.js';
import { TableSchemas } from '../schema/table-schemas.js';
import { BatchLoader } from './batch-loader.js';
import type { FileResult } from './file-outcome.js';
import { parseKey } from './key-layout.js';
import { fileId, pendingFile, type PendingFile } from './pending-file.js';
import { parseS3Message, type S3FileRef } from './s3-event.js';
import { SqsConsumer, type MessageOutcome } from './sqs-consumer.js';
import { TableQueues } from './table-queues.js';
import { routeTable } from './table-routes.js';

export interface PipelineDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly events: PipelineEvents;
  readonly pool: SessionPool;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** How often pauses and resumes made by the CLI are read from table_state; default 5 s. */
  readonly tableStatePollMs?: number;
}

const MAX_BACKOFF_SECONDS = 12 * 60 * 60;

export class Pipeline {
  readonly queues: TableQueues;
  private readonly loader: BatchLoader;
  private readonly consumer: SqsConsumer;
  /** Paused table → the file that paused it (redeliveries of it go back to SQS, toward the DLQ). */
  private readonly paused = new Map<string, { reason: string; fileId: string | undefined }>();
  /** Tables whose held files are being submitted again (they must not be held a second time). */
  private readonly releasing = new Set<string>();
  /** Bumped around every table_state write of this process, so a poll never undoes one. */
  private stateVersion = 0;
  private stateWrites = 0;
  private statePoll: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: PipelineDeps) {
    const { config, logger } = deps;
    const loader = (this.loader = new BatchLoader({
      config,
      pool: deps.pool,
      s3: deps.s3,
      schemas: new TableSchemas({
        opColumn: config.dms.opColumn,
        ...(config.dms.timestampColumn === null
          ? {}
          : { timestampColumn: config.dms.timestampColumn }),
      }),
      events: deps.events,
      logger,
    }));
    this.queues = new TableQueues({
      maxFiles: config.batching.maxFiles,
      maxBytes: config.batching.maxBytes,
      maxWaitMs: config.batching.maxWaitMs,
      maxBacklogWaitMs: config.batching.maxBacklogWaitMs,
      backlogged: () => this.consumer.backlogged,
      concurrency: config.batching.tableConcurrency,
      run: (_table, files) => loader.load(files),
    });
    this.consumer = new SqsConsumer({
      sqs: deps.sqs,
      queueUrl: config.sqs.queueUrl,
      waitTimeSeconds: config.sqs.waitTimeSeconds,
      maxMessagesPerReceive: config.sqs.maxMessagesPerReceive,
      visibilityTimeoutSeconds: config.sqs.visibilityTimeoutSeconds,
      visibilityHeartbeatSeconds: config.sqs.visibilityHeartbeatSeconds,
      maxInFlight: config.sqs.maxInFlightMessages,
      handle: (message) => this.handle(message),
      logger: logger.child({ module: 'sqs' }),
    });
  }

  async start(): Promise<void> {
    // A queue SQS says does not exist (or may not be read) is a configuration error; polling it
    // would only warn for ever. SQS not answering is not: polling retries.
    await this.consumer.checkQueue().catch((error: unknown) => {
      // The reason goes in the message, not as `cause`: pino would print it twice.
      throw new Error(
        `sqs.queueUrl (env SQS_QUEUE_URL): cannot read the queue ${this.deps.config.sqs.queueUrl}: ` +
          `${error instanceof Error ? error.message : String(error)}`,
      );
    });
    await prepareDatabend(this.deps.pool, this.deps.config);
    const rows = await this.deps.pool.with((s) =>
      s.query(pausedTablesSql(this.deps.config.databend.controlDatabase)),
    );
    for (const row of rows) {
      const table = String(row.table_name);
      const reason = typeof row.reason === 'string' ? row.reason : 'paused';
      this.paused.set(table, { reason, fileId: undefined });
      this.queues.pause(table);
      this.deps.logger.warn(
        { table, reason: row.reason },
        'table is paused; `resume --table` loads it again',
      );
    }
    const held = await this.withSession((s) =>
      s.query(tablesWithHeldFilesSql(this.deps.config.databend.controlDatabase)),
    );
    for (const row of held) {
      const table = String(row.table_name);
      if (!this.paused.has(table)) this.releaseHeld(table);
    }
    this.consumer.start();
    this.scheduleStatePoll();
  }

  /** Stop polling, let in-flight batches finish within the deadline, return the rest to SQS. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.statePoll);
    await this.consumer.stopPolling();
    await this.consumer.drain(deadlineMs);
    this.queues.stop();
  }

  pausedTables(): ReadonlyMap<string, string> {
    return new Map([...this.paused].map(([table, p]) => [table, p.reason]));
  }

  async handle(message: Message): Promise<MessageOutcome> {
    const { config, events } = this.deps;
    const parsed = parseS3Message(message.Body ?? '');
    const backoffSeconds = Math.min(
      config.sqs.retryBackoffSeconds *
        2 ** Math.max(0, Number(message.Attributes?.ApproximateReceiveCount ?? 1) - 1),
      MAX_BACKOFF_SECONDS,
    );
    if (parsed.kind === 'malformed') {
      events.emit('file:outcome', {
        outcome: 'poison',
        reason: `malformed message: ${parsed.reason}`,
      });
      return { kind: 'poison', backoffSeconds };
    }
    if (parsed.kind === 'ignored') {
      events.emit('file:outcome', { outcome: 'ignored', reason: parsed.reason });
      return { kind: 'ignored' };
    }
    const results = await Promise.all(parsed.files.map((ref) => this.submit(ref)));
    if (results.some((r) => r.kind === 'poison')) return { kind: 'poison', backoffSeconds };
    if (results.some((r) => r.kind === 'retry')) return { kind: 'retry', backoffSeconds };
    return results.every((r) => r.kind === 'ignored') ? { kind: 'ignored' } : { kind: 'done' };
  }

  /** Routes one announced file (from an event, a sweep or a backfill) and resolves with its outcome. */
  async submit(ref: S3FileRef): Promise<FileResult> {
    const { config, events } = this.deps;
    const emit = (result: FileResult, table?: string): FileResult => {
      events.emit('file:outcome', {
        outcome: result.kind,
        reason: result.reason,
        key: ref.key,
        ...(table === undefined ? {} : { table }),
      });
      return result;
    };
    if (ref.bucket !== config.s3.bucket)
      return emit({ kind: 'ignored', reason: `bucket ${ref.bucket} is not ${config.s3.bucket}` });
    const layout = parseKey(ref.key, { bucketFolder: config.s3.bucketFolder });
    if (!layout.ok)
      return emit({ kind: 'ignored', reason: `key outside the DMS layout: ${layout.reason}` });
    const file = pendingFile(
      ref,
      layout.file,
      routeTable(config.tables, layout.file.schema, layout.file.table),
    );
    const route = file.route;
    const paused = this.paused.get(route.target);
    if (paused?.fileId === fileId(ref))
      return emit(
        { kind: 'poison', reason: `table is paused by this file: ${paused.reason}` },
        route.target,
      );
    if (paused !== undefined && !this.releasing.has(route.target)) {
      await this.withSession((s) =>
        s.exec(holdFileSql(config.databend.controlDatabase, route.target, ref)),
      );
      return emit({ kind: 'done', rows: 0, reason: 'held until the table resumes' }, route.target);
    }
    this.loader.prefetch(file);
    const result = await this.queues.add(file);
    if (result.kind === 'poison' && config.poison.mode === 'pause')
      await this.pause(route.target, `${ref.key}: ${result.reason}`, file);
    return emit(result, route.target);
  }

  async pause(table: string, reason: string, file?: PendingFile): Promise<void> {
    this.queues.pause(table);
    this.paused.set(table, { reason, fileId: file === undefined ? undefined : fileId(file.ref) });
    await this.writeTableState(table, true, reason);
    this.deps.events.emit('table:paused', { table, reason });
  }

  async resume(table: string): Promise<void> {
    await this.writeTableState(table, false, undefined);
    this.paused.delete(table);
    this.queues.resume(table);
    this.deps.events.emit('table:resumed', { table });
    this.releaseHeld(table);
  }

  /** Submits the files held while the table was paused; each leaves held_files once loaded. */
  private releaseHeld(table: string): void {
    const control = this.deps.config.databend.controlDatabase;
    const release = async (): Promise<void> => {
      const rows = await this.withSession((s) => s.query(heldFilesSql(control, table)));
      await Promise.all(
        rows.map(async (row) => {
          const ref: S3FileRef = {
            bucket: String(row.bucket),
            key: String(row.object_key),
            etag: String(row.etag),
            size: Number(row.byte_size),
            eventTime: new Date(`${String(row.event_time).replace(' ', 'T')}Z`),
            eventName: 'held',
          };
          const layout = parseKey(ref.key, { bucketFolder: this.deps.config.s3.bucketFolder });
          if (!layout.ok) return;
          const file = pendingFile(
            ref,
            layout.file,
            routeTable(this.deps.config.tables, layout.file.schema, layout.file.table),
          );
          const result = await this.queues.add(file);
          if (result.kind === 'done')
            await this.withSession((s) => s.exec(releaseFileSql(control, ref)));
        }),
      );
    };
    this.releasing.add(table);
    release()
      .catch((err: unknown) =>
        this.deps.logger.warn(
          { err, table },
          'releasing held files failed; they are released again at the next resume or start',
        ),
      )
      .finally(() => this.releasing.delete(table));
  }

  private withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.deps.pool.with(work);
  }

  private async writeTableState(
    table: string,
    paused: boolean,
    reason: string | undefined,
  ): Promise<void> {
    this.stateVersion++;
    this.stateWrites++;
    try {
      await this.deps.pool.with(async (session) => {
        for (const sql of setTablePausedSql(
          this.deps.config.databend.controlDatabase,
          table,
          paused,
          reason,
        ))
          await session.exec(sql);
      });
    } finally {
      this.stateWrites--;
      this.stateVersion++;
    }
  }

  private scheduleStatePoll(): void {
    if (this.stopped) return;
    this.statePoll = setTimeout(() => {
      this.syncTableState()
        .catch((err: unknown) =>
          this.deps.logger.warn({ err }, 'reading paused tables from table_state failed'),
        )
        .finally(() => this.scheduleStatePoll());
    }, this.deps.tableStatePollMs ?? 5_000);
  }

  /**
   * Applies pauses and resumes another process (the CLI) wrote to table_state. Skipped when this
   * process wrote table_state during the read: the read may predate its own write.
   */
  async syncTableState(): Promise<void> {
    if (this.stateWrites > 0) return;
    const version = this.stateVersion;
    const rows = await this.deps.pool.with((s) =>
      s.query(tableStatesSql(this.deps.config.databend.controlDatabase)),
    );
    if (version !== this.stateVersion || this.stateWrites > 0 || this.stopped) return;
    const wanted = new Map(
      rows
        .filter((row) => row.paused === true)
        .map((row) => [
          String(row.table_name),
          typeof row.reason === 'string' ? row.reason : 'paused',
        ]),
    );
    for (const [table, reason] of wanted) {
      if (this.paused.has(table)) continue;
      this.paused.set(table, { reason, fileId: undefined });
      this.queues.pause(table);
      this.deps.logger.warn({ table, reason }, 'table paused through table_state');
      this.deps.events.emit('table:paused', { table, reason });
    }
    for (const table of [...this.paused.keys()]) {
      if (wanted.has(table)) continue;
      this.paused.delete(table);
      this.queues.resume(table);
      this.deps.logger.info({ table }, 'table resumed through table_state');
      this.deps.events.emit('table:resumed', { table });
      this.releaseHeld(table);
    }
  }
}
