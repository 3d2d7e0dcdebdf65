/**
 * The replication loop's routing: SQS messages (or files from a sweep or a backfill) in, files
 * routed to their table's queue, and one outcome per message. Every file and message outcome is
 * emitted as an event (metrics and logs subscribe); nothing is acknowledged before its batch
 * commits. Its parts (queues, pauses) are built by the composition root and handed in.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { prepareDatabend } from '../control/prepare.js';
import type { Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import type { S3FileRef } from '../files/file-ref.js';
import { backoffMs } from '../lifecycle/backoff.js';
import { checkLineageColumns } from '../schema/lineage-check.js';
import type { FileResult } from './file-outcome.js';
import { pendingFileOf, type PendingFile } from './pending-file.js';
import { parseS3Message } from './s3-event.js';
import type { MessageOutcome } from './sqs-consumer.js';
import type { HeldSummary, TablePauses } from './table-pauses.js';
import type { TableQueues } from './table-queues.js';
import type { Reloads } from './reloads.js';
import type { TargetOwners } from './target-collisions.js';

export interface PipelineDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly events: PipelineEvents;
  readonly pool: SessionPool;
  readonly queues: TableQueues;
  readonly pauses: TablePauses;
  /** Which source feeds each target: a second source of one target is refused. */
  readonly owners: TargetOwners;
  /** Full-load generations: begun by removed LOAD files, applied as snapshots. */
  readonly reloads: Reloads;
  /** False while this process may not write (a replica without the lease); default always. */
  readonly mayWrite?: () => boolean;
}

const MAX_BACKOFF_SECONDS = 12 * 60 * 60;

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /** Control tables ready, pauses restored, old tables checked, table_state followed. */
  async start(): Promise<void> {
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
    await this.deps.pauses.restore();
    await this.deps.reloads.restore();
    await this.checkLineage();
    this.deps.pauses.startPolling();
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
      if (this.deps.pauses.list().has(t.table)) continue;
      await this.pause(
        t.table,
        `${where} has ${t.rowsWithNull} row(s) with a NULL in ${t.columns.join(', ')}; ` +
          'rows with a NULL _seq can never be updated: delete them (raw) or run `replay` (ODS), then resume',
      );
    }
  }

  /** Stops following table_state and the queues' timers; waiting files stay unresolved. */
  stop(): void {
    this.deps.pauses.stop();
    this.deps.queues.stop();
  }

  pausedTables(): ReadonlyMap<string, string> {
    return this.deps.pauses.list();
  }

  heldFiles(): readonly HeldSummary[] {
    return this.deps.pauses.held();
  }

  async handle(message: Message): Promise<MessageOutcome> {
    const { config, events } = this.deps;
    const parsed = parseS3Message(message.Body ?? '');
    const backoffSeconds = backoffMs(
      Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      config.sqs.retryBackoffSeconds,
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
      const removed = (parsed.removed ?? []).filter((r) => r.bucket === config.s3.bucket);
      if (removed.length > 0) await this.deps.reloads.noteRemovals(removed);
      events.emit('file:outcome', { outcome: 'ignored', reason: parsed.reason });
      return { kind: 'ignored' };
    }
    const results = await Promise.all(parsed.files.map((ref) => this.submit(ref)));
    // Not ours to load any more: straight back to the queue for the active writer.
    if (this.deps.mayWrite?.() === false) return { kind: 'retry', backoffSeconds: 0 };
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
    const routed = pendingFileOf(config, ref);
    if (!routed.ok)
      return emit({ kind: 'ignored', reason: `key outside the DMS layout: ${routed.reason}` });
    const file = routed.file;
    const route = file.route;
    // Refused, not paused: the source that feeds the table goes on.
    const refused = await this.deps.owners.refuse(file);
    if (refused !== undefined) return emit(refused, route.target);
    const held = await this.deps.pauses.intercept(file);
    if (held !== undefined) return emit(held, route.target);
    const result = await this.deps.queues.add(file);
    if (result.kind === 'poison' && config.poison.mode === 'pause')
      await this.pause(route.target, `${ref.key}: ${result.reason}`, file);
    return emit(result, route.target);
  }

  pause(table: string, reason: string, file?: PendingFile): Promise<void> {
    return this.deps.pauses.pause(table, reason, file);
  }

  /** Applies pauses and resumes another process (the CLI) wrote to table_state. */
  syncTableState(): Promise<void> {
    return this.deps.pauses.sync();
  }
}
