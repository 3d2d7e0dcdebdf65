/**
 * Loads one batch of one table: reads each file's schema from its footer, evolves the tables,
 * then runs the batch transaction, retrying it whole on transient errors. Every file ends with an
 * outcome; a bad file never takes the rest of the batch with it, and a bug is never blamed on a
 * file (batch-failure.ts). Footers can be read ahead (`prefetch`) while their files wait for a
 * batch.
 *
 * Files already in the ledger (redeliveries) are found by the transaction's own ledger check
 * (merge/batch-fence.ts), which must run anyway, after the claim: the batch rolls back, those
 * files are done and the rest run again. No look-up runs before the transaction, so a batch of
 * new files — nearly every batch — reads the ledger once. A file that would be settled otherwise
 * before the transaction (an unreadable footer, a schema the table cannot follow), or sent back
 * as `retry` without reaching the check (no lease, Databend failing), is looked up first, so a
 * loaded file is always `done` (ingest/loaded-files.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { WriterFence } from '../control/claim-sql.js';
import { ClaimTables } from '../control/claim-tables.js';
import { writerName } from '../control/writer-name.js';
import type { SessionSource, SqlSession } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import { fileId } from '../files/file-ref.js';
import { checkBatchVersions } from '../files/object-version.js';
import { backoffMs, sleep } from '../lifecycle/backoff.js';
import { FencedError, LoadedMeanwhileError } from '../merge/batch-fence.js';
import { batchStatements, newBatchId } from '../merge/batch-statements.js';
import {
  InvalidRowsError,
  runBatchTransaction,
  type BatchResult,
} from '../merge/batch-transaction.js';
import type { TableSchemas } from '../schema/table-schemas.js';
import { classifyBatchError, permanentReason, type BatchFailure } from './batch-failure.js';
import { MAX_CONFLICT_RETRIES, MAX_FENCED_RETRIES } from './batch-failure.js';
import { BatchReport } from './batch-report.js';
import { ignoreStale, poisonInvalidRows, settleLoaded, staleFiles } from './batch-rejects.js';
import { poison, retry, type FileResult } from './file-outcome.js';
import type { InspectedFile } from './file-inspection.js';
import { FooterReads } from './footer-reads.js';
import { settleUnlessLoaded } from './loaded-files.js';
import { byDmsOrder, type PendingFile } from './pending-file.js';
import { schemaTarget } from './table-routes.js';

export interface BatchLoaderDeps {
  readonly config: Config;
  readonly pool: SessionSource;
  readonly s3: S3Client;
  readonly schemas: TableSchemas;
  readonly events: PipelineEvents;
  readonly logger: Logger;
  /**
   * Who commits the next batch: the lease holder with its token, or an operator command;
   * undefined while this process may not write (a standby, or a replica that lost its lease).
   * Default: this process, fenced by the per-table claim only.
   */
  readonly writer?: () => WriterFence | undefined;
  /** The fence once a late lease renewal came back, undefined once lost (ReplicaLease). */
  readonly awaitWriter?: () => Promise<WriterFence | undefined>;
  /** Waits between attempts of a transaction; replaced by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Outcomes by fileId, filled in as the batch goes. */
type Outcomes = Map<string, FileResult>;

export class BatchLoader {
  private readonly footers: FooterReads;
  private readonly report: BatchReport;
  private readonly claims: ClaimTables;
  private readonly writer: () => WriterFence | undefined;

  constructor(private readonly deps: BatchLoaderDeps) {
    this.footers = new FooterReads(deps.s3);
    this.report = new BatchReport(deps);
    this.claims = new ClaimTables(deps.config.databend.controlDatabase);
    const own: WriterFence = { owner: writerName('loader') };
    this.writer = deps.writer ?? (() => own);
  }

  /** Starts reading the file's footer now, while it waits for its batch. */
  prefetch(file: PendingFile): void {
    this.footers.prefetch(file);
  }

  /** Loads the files (all of one table); returns an outcome per fileId. */
  async load(files: readonly PendingFile[]): Promise<Map<string, FileResult>> {
    const outcomes: Outcomes = new Map();
    let remaining = [...new Map(files.map((f) => [fileId(f.ref), f])).values()].sort(byDmsOrder);
    let conflicts = 0;
    let fenced = 0;
    for (let attempt = 1; remaining.length > 0;) {
      try {
        await this.deps.pool.with((session) => this.attempt(session, remaining, outcomes));
        return outcomes;
      } catch (error) {
        if (error instanceof LoadedMeanwhileError) settleLoaded(remaining, error.marks, outcomes);
        remaining = remaining.filter((f) => !outcomes.has(fileId(f.ref)));
        // Not a failure, and not counted: the files were loaded before, the rest run again.
        if (error instanceof LoadedMeanwhileError) continue;
        const failure = classifyBatchError(error);
        const table = remaining[0]?.route.target ?? '?';
        if (failure.kind === 'conflict' && ++conflicts <= MAX_CONFLICT_RETRIES) {
          this.deps.events.emit('batch:conflict', { table });
          await (this.deps.sleep ?? sleep)(Math.random() * 50);
          continue;
        }
        // A late lease renewal came back: run again rather than spend the messages' receives.
        if (failure.kind === 'fenced' && ++fenced <= MAX_FENCED_RETRIES)
          if ((await this.deps.awaitWriter?.()) !== undefined) continue;
        if (failure.kind === 'fenced') {
          this.deps.events.emit('batch:fenced', { table, reason: failure.error.message });
          const result = retry(`not committed: ${failure.error.message}`);
          await this.retryUnlessLoaded(remaining, result, outcomes);
          return outcomes;
        }
        if (!(await this.failed(failure, remaining, attempt, outcomes))) return outcomes;
        await (this.deps.sleep ?? sleep)(backoffMs(attempt, 200, 5_000));
        attempt++;
      }
    }
    return outcomes;
  }

  /** Reports a failed attempt and settles what it can; true when the batch runs again. */
  private async failed(
    failure: BatchFailure,
    files: readonly PendingFile[],
    attempt: number,
    outcomes: Outcomes,
  ): Promise<boolean> {
    const { events, config } = this.deps;
    const bug = failure.kind === 'bug';
    const transient =
      bug ||
      failure.kind === 'conflict' ||
      failure.kind === 'fenced' ||
      (failure.kind === 'databend' && failure.error.transient);
    if (failure.kind === 'databend')
      events.emit('databend:error', { code: failure.error.code ?? 'transport' });
    events.emit('batch:failed', {
      table: files[0]?.route.target ?? '?',
      batchId: '',
      error: failure.error,
      attempt,
      transient,
      ...(bug ? { bug } : {}),
    });
    const settle = (result: FileResult): void => {
      for (const f of files) outcomes.set(fileId(f.ref), result);
    };
    if (failure.kind === 'bug') {
      // Through the queue, not here: the same code would most likely fail the same way.
      settle(retry(`internal error, not the file's (see the log): ${failure.error.message}`));
      return false;
    }
    if (!transient) {
      await this.isolate(files, failure, outcomes);
      return false;
    }
    if (attempt < config.batching.maxAttempts) return true;
    await this.retryUnlessLoaded(files, retry(`Databend: ${failure.error.message}`), outcomes);
    return false;
  }

  /** A permanent failure of several files: load each alone, so only the bad one is poison. */
  private async isolate(
    files: readonly PendingFile[],
    failure: BatchFailure,
    outcomes: Outcomes,
  ): Promise<void> {
    const [only] = files;
    if (files.length === 1 && only !== undefined) {
      outcomes.set(fileId(only.ref), poison(permanentReason(failure)));
      return;
    }
    for (const file of files) {
      for (const [id, outcome] of await this.load([file])) outcomes.set(id, outcome);
    }
  }

  /** One try of the batch on one session: every step settles the files it can. */
  private async attempt(
    session: SqlSession,
    files: readonly PendingFile[],
    outcomes: Outcomes,
  ): Promise<void> {
    // Outcomes decided before the transaction: a loaded file among them is done instead.
    const early: Outcomes = new Map();
    const ready = await this.footers.takeReady(files, early);
    const tables =
      ready.length === 0 ? { ok: false as const } : await this.evolveTables(session, ready, early);
    if (early.size > 0)
      await settleUnlessLoaded(
        session,
        this.deps.config.databend.controlDatabase,
        files,
        early,
        outcomes,
      );
    if (!tables.ok) return;
    await this.commit(session, ready, tables.odsColumns, outcomes);
  }

  /**
   * Settles the files as `result` (a retry), except those already in the ledger: a redelivery of
   * a loaded file is done even when this batch could not reach its ledger check (no lease, an
   * engine that kept failing). If the look-up fails too, they all go back to the queue.
   */
  private async retryUnlessLoaded(
    files: readonly PendingFile[],
    result: FileResult,
    outcomes: Outcomes,
  ): Promise<void> {
    const early = new Map(files.map((f) => [fileId(f.ref), result]));
    const control = this.deps.config.databend.controlDatabase;
    await this.deps.pool
      .with((session) => settleUnlessLoaded(session, control, files, early, outcomes))
      .catch(() => {
        for (const [id, r] of early) outcomes.set(id, r);
      });
  }

  /**
   * Brings raw and ODS up to the files' columns, before the transaction (DDL would commit it).
   * A file the schema cannot follow is poison and holds back the rest of the batch.
   */
  private async evolveTables(
    session: SqlSession,
    ready: readonly InspectedFile[],
    outcomes: Outcomes,
  ): Promise<{ ok: true; odsColumns: string[] | undefined } | { ok: false }> {
    const { config, schemas } = this.deps;
    const route = ready[0]?.file.route;
    if (route === undefined) return { ok: false };
    const target = schemaTarget(config, route);
    const ensured = await schemas.ensure(
      session,
      target,
      ready.map((r) => r.columns),
    );
    if (ensured.ok) return { ok: true, odsColumns: ensured.ods?.map((c) => c.name) };
    for (const r of ready) {
      const held = r.file.ref.key !== ensured.file;
      outcomes.set(
        fileId(r.file.ref),
        held ? retry(`held back by ${ensured.file}`) : poison(ensured.message),
      );
    }
    return { ok: false };
  }

  /** The batch transaction; files with rows no ODS can take are poison, the rest go again. */
  private async commit(
    session: SqlSession,
    ready: readonly InspectedFile[],
    odsColumns: readonly string[] | undefined,
    outcomes: Outcomes,
  ): Promise<void> {
    const table = ready[0]?.file.route.target;
    if (table !== undefined) await this.claims.ensure(session, table);
    const writer = this.writer() ?? (await this.deps.awaitWriter?.());
    if (writer === undefined) throw new FencedError('this replica holds no lease');
    const batchId = newBatchId();
    const statements = batchStatements(this.deps.config, batchId, ready, odsColumns, writer);
    this.deps.logger.debug(
      { table: ready[0]?.file.route.target, batch: batchId, files: ready.length },
      'batch started',
    );
    let result: BatchResult;
    try {
      result = await runBatchTransaction(session, statements, {
        checkVersions: (rowsByFile) => checkBatchVersions(this.deps.s3, ready, rowsByFile),
      });
    } catch (error) {
      const stale = await staleFiles(this.deps.s3, error, ready);
      if (stale !== undefined) {
        const rest = ignoreStale(stale, ready, outcomes);
        if (rest.length > 0) await this.attempt(session, rest, outcomes);
        return;
      }
      if (!(error instanceof InvalidRowsError)) throw error;
      const rest = poisonInvalidRows(error, ready, outcomes);
      // The other files load in a batch of their own.
      if (rest.length > 0) await this.attempt(session, rest, outcomes);
      return;
    }
    this.report.committed(batchId, ready, result, outcomes);
  }
}
