/**
 * Loads one batch of one table: skips files the ledger has, reads each new file's schema from its
 * footer, evolves the tables, then runs the batch transaction, retrying it whole on transient
 * errors. Every file ends with an outcome; a bad file never takes the rest of the batch with it.
 * Footers can be read ahead (`prefetch`) while their files wait for a batch.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DatabendError, toDatabendError } from '../databend/error-codes.js';
import type { SessionPool, SqlSession } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import {
  InvalidRowsError,
  runBatchTransaction,
  type BatchResult,
} from '../merge/batch-transaction.js';
import { beforeImageColumnNames } from '../merge/before-image.js';
import { loadedFilesSql } from '../control/ledger-sql.js';
import { InvalidParquetError, readParquetSchema } from '../schema/parquet-footer.js';
import { ObjectMissingError, s3RangeReader } from '../schema/range-reader.js';
import type { TableSchemas } from '../schema/table-schemas.js';
import { mapParquetColumns } from '../schema/type-map.js';
import {
  batchStatements,
  newBatchId,
  type ReadyFile as ReadyBatchFile,
} from '../merge/batch-statements.js';
import { DmsSettingsCheck } from './dms-settings-check.js';
import { done, ignored, poison, retry, type FileResult } from './file-outcome.js';
import { byDmsOrder, type PendingFile } from './pending-file.js';
import { fileId } from '../files/file-ref.js';

export interface BatchLoaderDeps {
  readonly config: Config;
  readonly pool: SessionPool;
  readonly s3: S3Client;
  readonly schemas: TableSchemas;
  readonly events: PipelineEvents;
  readonly logger: Logger;
  /** Waits between attempts of a transaction; replaced by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Footer reads (ranged GETs) at once, read-ahead and batches together. */
const FOOTER_READS_AT_ONCE = 16;
/** Most footers read ahead and not yet taken by a batch; past it, files are read at batch time. */
const MAX_READ_AHEAD = 4_096;

/** A file of the batch with its footer read. */
type ReadyFile = ReadyBatchFile<PendingFile>;

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class BatchLoader {
  private readonly settingsCheck: DmsSettingsCheck;
  /** Tables already warned about having no primary key (once per process). */
  private readonly warnedRawOnly = new Set<string>();
  private readonly footerReads = new PQueue({ concurrency: FOOTER_READS_AT_ONCE });
  /** Footers read ahead by fileId, until a batch takes them. */
  private readonly readAhead = new Map<string, Promise<ReadyFile | FileResult>>();

  constructor(private readonly deps: BatchLoaderDeps) {
    this.settingsCheck = new DmsSettingsCheck(deps.config.dms.warnNoDeletesAfterCdcFiles);
  }

  /**
   * Starts reading the file's footer now, while it waits for its batch: the batch then finds it
   * read instead of spending a round of GETs before its transaction.
   */
  prefetch(file: PendingFile): void {
    const id = fileId(file.ref);
    if (this.readAhead.has(id) || this.readAhead.size >= MAX_READ_AHEAD) return;
    this.readAhead.set(id, this.readFooter(file));
  }

  /** Loads the files (all of one table); returns an outcome per fileId. */
  async load(files: readonly PendingFile[]): Promise<Map<string, FileResult>> {
    const outcomes = new Map<string, FileResult>();
    const unique = [...new Map(files.map((f) => [fileId(f.ref), f])).values()].sort(byDmsOrder);
    const { maxAttempts } = this.deps.config.batching;
    let remaining = unique;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      try {
        await this.deps.pool.with((session) => this.attempt(session, remaining, outcomes));
        return outcomes;
      } catch (error) {
        const failure = toDatabendError(error);
        const table = remaining[0]?.route.target ?? '?';
        this.deps.events.emit('databend:error', { code: failure.code ?? 'transport' });
        this.deps.events.emit('batch:failed', {
          table,
          batchId: '',
          error: failure,
          attempt,
          transient: failure.transient,
        });
        remaining = remaining.filter((f) => !outcomes.has(fileId(f.ref)));
        if (!failure.transient) {
          await this.isolate(remaining, failure, outcomes);
          return outcomes;
        }
        if (attempt >= maxAttempts) {
          for (const f of remaining)
            outcomes.set(fileId(f.ref), retry(`Databend: ${failure.message}`));
          return outcomes;
        }
        await (this.deps.sleep ?? sleepMs)(Math.min(200 * 2 ** (attempt - 1), 5_000));
      }
    }
    return outcomes;
  }

  /** A permanent failure of several files: load each alone, so only the bad one is poison. */
  private async isolate(
    files: readonly PendingFile[],
    failure: DatabendError,
    outcomes: Map<string, FileResult>,
  ): Promise<void> {
    if (files.length === 1 && files[0] !== undefined) {
      outcomes.set(fileId(files[0].ref), poison(`Databend rejected the file: ${failure.message}`));
      return;
    }
    for (const file of files) {
      for (const [id, outcome] of await this.load([file])) outcomes.set(id, outcome);
    }
  }

  private async attempt(
    session: SqlSession,
    files: readonly PendingFile[],
    outcomes: Map<string, FileResult>,
  ): Promise<void> {
    const { config } = this.deps;
    const first = files[0];
    if (first === undefined) return;
    const route = first.route;

    const loaded = await session.query(
      loadedFilesSql(
        config.databend.controlDatabase,
        first.ref.bucket,
        files.map((f) => f.ref.key),
      ),
    );
    const loadedIds = new Set(
      loaded.map((r) =>
        fileId({ bucket: first.ref.bucket, key: String(r.object_key), etag: String(r.etag) }),
      ),
    );
    const fresh: PendingFile[] = [];
    for (const file of files) {
      if (loadedIds.has(fileId(file.ref))) {
        this.readAhead.delete(fileId(file.ref));
        outcomes.set(fileId(file.ref), done(0, 'already in the ledger'));
      } else fresh.push(file);
    }

    const ready: ReadyFile[] = [];
    const inspected = await Promise.all(fresh.map((file) => this.takeFooter(file)));
    fresh.forEach((file, i) => {
      const result = inspected[i] as ReadyFile | FileResult;
      if ('kind' in result) outcomes.set(fileId(file.ref), result);
      else ready.push(result);
    });
    if (ready.length === 0) return;

    const target = {
      rawDatabase: config.databend.rawDatabase,
      odsDatabase: config.databend.odsDatabase,
      table: route.target,
      withOds: route.primaryKey !== undefined,
      // Before images of the key are read from raw by the MERGE; they are no ODS columns.
      rawOnlyColumns: beforeImageColumnNames(route.primaryKey ?? [], config.dms.beforeImagePrefix),
    };
    const ensured = await this.deps.schemas.ensure(
      session,
      target,
      ready.map((r) => r.columns),
    );
    if (!ensured.ok) {
      for (const r of ready) {
        outcomes.set(
          fileId(r.file.ref),
          r.file.ref.key === ensured.file
            ? poison(ensured.message)
            : retry(`held back by ${ensured.file}`),
        );
      }
      return;
    }

    const batchId = newBatchId();
    const statements = batchStatements(
      config,
      batchId,
      ready,
      ensured.ods?.map((c) => c.name),
    );
    this.deps.logger.debug(
      { table: route.target, batch: batchId, files: ready.length },
      'batch started',
    );
    let result: BatchResult;
    try {
      result = await runBatchTransaction(session, statements);
    } catch (error) {
      if (!(error instanceof InvalidRowsError)) throw error;
      for (const r of ready) {
        const bad = error.files.get(r.file.ref.key);
        if (bad === undefined) continue;
        const why = [
          ...(bad.badOps > 0 ? [`${bad.badOps} row(s) with an Op other than I, U or D`] : []),
          ...(bad.nullKeys > 0
            ? [
                `${bad.nullKeys} row(s) with a NULL in primary-key column(s) ${(route.primaryKey ?? []).join(', ')}`,
              ]
            : []),
        ];
        outcomes.set(fileId(r.file.ref), poison(why.join('; ')));
      }
      // The other files load in a batch of their own.
      const rest = ready.filter((r) => !error.files.has(r.file.ref.key)).map((r) => r.file);
      if (rest.length > 0) await this.attempt(session, rest, outcomes);
      return;
    }
    const rawOnly = route.primaryKey === undefined;
    const reason = rawOnly
      ? `loaded to raw only: no primary key is configured for ${route.source}`
      : 'loaded';
    for (const r of ready)
      outcomes.set(fileId(r.file.ref), done(result.rowsByFile.get(r.file.ref.key) ?? 0, reason));
    this.deps.events.emit('batch:committed', {
      table: route.target,
      batchId,
      files: ready.length,
      rows: result.rowsByOp,
      rowsMerged: result.rowsMerged,
      copyMs: result.copyMs,
      mergeMs: result.mergeMs,
      totalMs: result.totalMs,
      oldestEventTime: new Date(Math.min(...ready.map((r) => r.file.ref.eventTime.getTime()))),
      ...(result.newestTimestamp === undefined
        ? {}
        : { newestCommitTime: new Date(`${result.newestTimestamp.replace(' ', 'T')}Z`) }),
    });
    this.checkDmsSettings(route.target, ready, result.rowsByOp.D);
    if (rawOnly) this.noteRawOnly(route.target, route.source, ready.length);
  }

  /** A table without a key loads to raw only: counted every batch, warned once per process. */
  private noteRawOnly(table: string, source: string, files: number): void {
    this.deps.events.emit('table:raw-only', { table, source, files });
    if (this.warnedRawOnly.has(table)) return;
    this.warnedRawOnly.add(table);
    this.deps.logger.warn(
      { table, source },
      `no primary key configured: ${source} loads to raw only, without ODS; set ` +
        `tables.byName["${source}"].primaryKey (then \`replay\` builds its ODS from raw)`,
    );
  }

  /** Warns once per table when what it loaded suggests a DMS setting that loses changes. */
  private checkDmsSettings(table: string, ready: readonly ReadyFile[], deletes: number): void {
    const { opColumn } = this.deps.config.dms;
    const warnings = this.settingsCheck.observe({
      table,
      deletes,
      files: ready.map((r) => ({
        kind: r.file.key.kind,
        hasOp: r.columns.columns.some((c) => c.name === opColumn),
      })),
    });
    for (const warning of warnings) {
      this.deps.logger.warn({ table, setting: warning.setting }, warning.message);
      this.deps.events.emit('dms:settings-warning', warning);
    }
  }

  /** The footer read ahead for this file, or read now; a read-ahead that failed is read again. */
  private async takeFooter(file: PendingFile): Promise<ReadyFile | FileResult> {
    const id = fileId(file.ref);
    const readAhead = this.readAhead.get(id);
    this.readAhead.delete(id);
    const result = readAhead === undefined ? undefined : await readAhead;
    if (result === undefined || ('kind' in result && result.kind === 'retry'))
      return this.readFooter(file);
    return result;
  }

  /** inspect() within the shared limit on concurrent reads; never rejects. */
  private async readFooter(file: PendingFile): Promise<ReadyFile | FileResult> {
    try {
      return await this.footerReads.add(() => this.inspect(file));
    } catch (error) {
      return retry(`reading the footer failed: ${(error as Error).message}`);
    }
  }

  /** Reads the footer and maps the columns; an outcome instead when the file cannot be loaded. */
  private async inspect(file: PendingFile): Promise<ReadyFile | FileResult> {
    const { ref, route } = file;
    let schema;
    try {
      schema = await readParquetSchema(
        s3RangeReader(this.deps.s3, ref.bucket, ref.key, ref.etag),
        ref.size,
      );
    } catch (error) {
      if (error instanceof InvalidParquetError)
        return poison(`not a readable Parquet file: ${error.message}`);
      if (error instanceof ObjectMissingError) return ignored(error.message);
      return retry(`reading the footer failed: ${(error as Error).message}`);
    }
    const mapped = mapParquetColumns(schema.columns, route.columnTypes);
    const names = new Set(mapped.columns.map((c) => c.name));
    const missingKey = (route.primaryKey ?? []).filter((k) => !names.has(k));
    if (missingKey.length > 0)
      return poison(`the file lacks primary-key column(s) ${missingKey.join(', ')}`);
    return {
      file,
      columns: { key: ref.key, columns: mapped.columns, unsupported: mapped.unsupported },
    };
  }
}
