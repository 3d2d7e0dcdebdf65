/**
 * Paused tables. A table is paused by a poison file (poison.mode `pause`) or by the CLI; pauses
 * live in `<control>.table_state`, so they outlast restarts and reach this process from the
 * CLI (polled). While a table is paused its new files are held in `<control>.held_files` and
 * acknowledged; on resume they are loaded again, in order.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SessionPool, SqlSession } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import {
  heldFileFromRow,
  heldFilesSql,
  heldSummaryFromRow,
  heldSummarySql,
  holdFileSql,
  releaseFileSql,
  tablesWithHeldFiles,
  tablesWithHeldFilesSql,
  type HeldSummary,
} from '../control/held-files-sql.js';
import { pausedTablesFromRows, pausedTablesSql, setTablePausedSql } from '../control/ledger-sql.js';
import { tableStatesFromRows, tableStatesSql } from '../control/status-sql.js';
import type { FileResult } from './file-outcome.js';
import { pendingFileOf, type PendingFile } from './pending-file.js';
import { fileId } from '../files/file-ref.js';
import type { TableQueues } from './table-queues.js';

export interface TablePausesDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly events: PipelineEvents;
  readonly pool: SessionPool;
  readonly queues: TableQueues;
  /** How often pauses and resumes made by the CLI are read from table_state. */
  readonly tableStatePollMs: number;
}

export type { HeldSummary };

export class TablePauses {
  /** Paused table → the file that paused it (redeliveries of it go back to SQS, toward the DLQ). */
  private readonly paused = new Map<string, { reason: string; fileId: string | undefined }>();
  /** Tables whose held files are being submitted again (they must not be held a second time). */
  private readonly releasing = new Set<string>();
  /** Bumped around every table_state write of this process, so a poll never undoes one. */
  private stateVersion = 0;
  private stateWrites = 0;
  private statePoll: NodeJS.Timeout | undefined;
  private stopped = false;
  /** As last read with the table states (for metrics and /status). */
  private heldSummary: readonly HeldSummary[] = [];

  constructor(private readonly deps: TablePausesDeps) {}

  /** Pauses the tables table_state has paused, and loads files held for tables no longer paused. */
  async restore(): Promise<void> {
    const control = this.deps.config.databend.controlDatabase;
    const rows = await this.withSession((s) => s.query(pausedTablesSql(control)));
    for (const { table, reason: given } of pausedTablesFromRows(rows)) {
      const reason = given ?? 'paused';
      this.paused.set(table, { reason, fileId: undefined });
      this.deps.queues.pause(table);
      this.deps.logger.warn(
        { table, reason: given },
        'table is paused; `resume --table` loads it again',
      );
      // For the metrics: a restarted process reports the pauses it inherited.
      this.deps.events.emit('table:paused', { table, reason });
    }
    const held = await this.withSession((s) => s.query(tablesWithHeldFilesSql(control)));
    for (const table of tablesWithHeldFiles(held))
      if (!this.paused.has(table)) this.releaseHeld(table);
    await this.readHeldSummary();
  }

  /** Files held per paused table, as of the last poll (every tableStatePollMs). */
  held(): readonly HeldSummary[] {
    return this.heldSummary;
  }

  private async readHeldSummary(): Promise<void> {
    const rows = await this.withSession((s) =>
      s.query(heldSummarySql(this.deps.config.databend.controlDatabase)),
    );
    this.heldSummary = rows.map(heldSummaryFromRow);
  }

  /** Starts reading table_state for the CLI's pauses and resumes. */
  startPolling(): void {
    this.scheduleStatePoll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.statePoll);
  }

  /** Paused table → why. */
  list(): ReadonlyMap<string, string> {
    return new Map([...this.paused].map(([table, p]) => [table, p.reason]));
  }

  /**
   * The outcome of a file whose table is paused: poison for the file that paused it, held for
   * any other. Undefined when the table takes files.
   */
  async intercept(file: PendingFile): Promise<FileResult | undefined> {
    const { ref, route } = file;
    const paused = this.paused.get(route.target);
    if (paused?.fileId === fileId(ref))
      return { kind: 'poison', reason: `table is paused by this file: ${paused.reason}` };
    if (paused === undefined || this.releasing.has(route.target)) return undefined;
    await this.withSession((s) =>
      s.exec(holdFileSql(this.deps.config.databend.controlDatabase, route.target, ref)),
    );
    return { kind: 'done', rows: 0, reason: 'held until the table resumes' };
  }

  async pause(table: string, reason: string, file?: PendingFile): Promise<void> {
    this.deps.queues.pause(table);
    this.paused.set(table, { reason, fileId: file === undefined ? undefined : fileId(file.ref) });
    await this.writeTableState(table, true, reason);
    this.deps.events.emit('table:paused', { table, reason });
  }

  async resume(table: string): Promise<void> {
    await this.writeTableState(table, false, undefined);
    this.paused.delete(table);
    this.deps.queues.resume(table);
    this.deps.events.emit('table:resumed', { table });
    this.releaseHeld(table);
  }

  /** Submits the files held while the table was paused; each leaves held_files once loaded. */
  private releaseHeld(table: string): void {
    const control = this.deps.config.databend.controlDatabase;
    const release = async (): Promise<void> => {
      const rows = await this.withSession((s) => s.query(heldFilesSql(control, table)));
      await Promise.all(
        rows.map(heldFileFromRow).map(async (ref) => {
          const routed = pendingFileOf(this.deps.config, ref);
          if (!routed.ok) return;
          const result = await this.deps.queues.add(routed.file);
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
      this.sync()
        .catch((err: unknown) =>
          this.deps.logger.warn({ err }, 'reading paused tables from table_state failed'),
        )
        .finally(() => this.scheduleStatePoll());
    }, this.deps.tableStatePollMs);
  }

  /**
   * Applies pauses and resumes another process (the CLI) wrote to table_state. Skipped when this
   * process wrote table_state during the read: the read may predate its own write.
   */
  async sync(): Promise<void> {
    await this.readHeldSummary();
    if (this.stateWrites > 0) return;
    const version = this.stateVersion;
    const rows = await this.deps.pool.with((s) =>
      s.query(tableStatesSql(this.deps.config.databend.controlDatabase)),
    );
    if (version !== this.stateVersion || this.stateWrites > 0 || this.stopped) return;
    const wanted = new Map(
      tableStatesFromRows(rows)
        .filter((state) => state.paused)
        .map((state) => [state.table, state.reason ?? 'paused']),
    );
    for (const [table, reason] of wanted) {
      if (this.paused.has(table)) continue;
      this.paused.set(table, { reason, fileId: undefined });
      this.deps.queues.pause(table);
      this.deps.logger.warn({ table, reason }, 'table paused through table_state');
      this.deps.events.emit('table:paused', { table, reason });
    }
    for (const table of [...this.paused.keys()]) {
      if (wanted.has(table)) continue;
      this.paused.delete(table);
      this.deps.queues.resume(table);
      this.deps.logger.info({ table }, 'table resumed through table_state');
      this.deps.events.emit('table:resumed', { table });
      this.releaseHeld(table);
    }
  }
}
