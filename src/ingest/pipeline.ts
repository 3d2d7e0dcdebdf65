/**
 * The replication loop: SQS messages in, files routed to their table's queue, batches loaded,
 * and one outcome per message. Every file and message outcome is emitted as an event (metrics
 * and logs subscribe); nothing is acknowledged before its batch commits.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import { prepareDatabend } from '../control/prepare.js';
import { checkLineageColumns } from '../schema/lineage-check.js';
import { TableSchemas } from '../schema/table-schemas.js';
import { BatchLoader } from './batch-loader.js';
import type { FileResult } from './file-outcome.js';
import { parseKey } from './key-layout.js';
import { pendingFile, type PendingFile } from './pending-file.js';
import { parseS3Message } from './s3-event.js';
import { type S3FileRef } from '../files/file-ref.js';
import { SqsConsumer, type MessageOutcome } from './sqs-consumer.js';
import { TablePauses, type HeldSummary } from './table-pauses.js';
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
  private readonly consumer: SqsConsumer;
  private readonly pauses: TablePauses;

  constructor(private readonly deps: PipelineDeps) {
    const { config, logger } = deps;
    const loader = new BatchLoader({
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
    });
    this.queues = new TableQueues({
      maxFiles: config.batching.maxFiles,
      maxBytes: config.batching.maxBytes,
      maxWaitMs: config.batching.maxWaitMs,
      maxBacklogWaitMs: config.batching.maxBacklogWaitMs,
      backlogged: () => this.consumer.backlogged,
      concurrency: config.batching.tableConcurrency,
      // The footer is read while the file waits; a file that joins one already queued or
      // loading has its footer read (or taken) already.
      onQueued: (file) => loader.prefetch(file),
      run: (_table, files) => loader.load(files),
    });
    this.pauses = new TablePauses({
      config,
      logger,
      events: deps.events,
      pool: deps.pool,
      queues: this.queues,
      tableStatePollMs: deps.tableStatePollMs ?? 5_000,
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
    const { logger } = this.deps;
    const migration = await prepareDatabend(this.deps.pool, this.deps.config, (holder, age) =>
      logger.warn({ holder, ageSeconds: age }, 'broke a stale control-table migration lock'),
    );
    if (migration.applied.length > 0)
      logger.info({ from: migration.from, to: migration.to }, 'control tables migrated');
    if (migration.to > migration.latest)
      logger.warn(
        { version: migration.to, known: migration.latest },
        'the control tables are at a newer version than this release knows; running on them',
      );
    await this.pauses.restore();
    await this.checkLineage();
    this.consumer.start();
    this.pauses.startPolling();
  }

  /**
   * Tables created before the lineage columns were NOT NULL are checked; one holding a NULL
   * `_seq` (or another lineage value) is paused: its ODS rows with a NULL `_seq` never update.
   */
  private async checkLineage(): Promise<void> {
    const { config, logger } = this.deps;
    const found = await this.deps.pool.with((session) =>
      checkLineageColumns(session, {
        raw: config.databend.rawDatabase,
        ods: config.databend.odsDatabase,
      }),
    );
    for (const t of found) {
      const where = `${t.database}.${t.table}`;
      if (t.rowsWithNull === 0) {
        logger.info(
          { table: t.table, layer: t.layer, columns: t.columns },
          `${where} predates NOT NULL lineage columns; checked: no NULLs`,
        );
        continue;
      }
      if (this.pauses.list().has(t.table)) continue;
      await this.pause(
        t.table,
        `${where} has ${t.rowsWithNull} row(s) with a NULL in ${t.columns.join(', ')}; ` +
          'rows with a NULL _seq can never be updated: delete them (raw) or run `replay` (ODS), then resume',
      );
    }
  }

  /** Stop polling, let in-flight batches finish within the deadline, return the rest to SQS. */
  async stop(deadlineMs: number): Promise<void> {
    this.pauses.stop();
    await this.consumer.stopPolling();
    await this.consumer.drain(deadlineMs);
    this.queues.stop();
  }

  pausedTables(): ReadonlyMap<string, string> {
    return this.pauses.list();
  }

  heldFiles(): readonly HeldSummary[] {
    return this.pauses.held();
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
    const held = await this.pauses.intercept(file);
    if (held !== undefined) return emit(held, route.target);
    const result = await this.queues.add(file);
    if (result.kind === 'poison' && config.poison.mode === 'pause')
      await this.pause(route.target, `${ref.key}: ${result.reason}`, file);
    return emit(result, route.target);
  }

  pause(table: string, reason: string, file?: PendingFile): Promise<void> {
    return this.pauses.pause(table, reason, file);
  }

  resume(table: string): Promise<void> {
    return this.pauses.resume(table);
  }

  /** Applies pauses and resumes another process (the CLI) wrote to table_state. */
  syncTableState(): Promise<void> {
    return this.pauses.sync();
  }
}
