/**
 * Keeps each table's last error in `<control>.table_errors` for `status`: a failed batch attempt
 * (transient, permanent or a bug) and a poison file. Writes are per table, one at a time; errors
 * that come while one is being written are coalesced into the newest, so a table failing fast
 * costs at most one write in flight. A write that fails (Databend is what failed, often) is
 * logged and dropped: the log has the error anyway.
 */
import type { Logger } from 'pino';
import { recordTableErrorSql, type TableError } from '../control/table-errors-sql.js';
import type { SessionSource } from '../databend/session-pool.js';
import { combineUndo, type PipelineEvents } from '../events.js';

export type TableErrorRecord = Omit<TableError, 'at'>;

export interface TableErrorRecorderDeps {
  readonly pool: SessionSource;
  readonly controlDatabase: string;
  readonly logger: Logger;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class TableErrorRecorder {
  private readonly pending = new Map<string, TableErrorRecord>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly deps: TableErrorRecorderDeps) {}

  /** Records what the pipeline reports; returns the unsubscribe. */
  subscribe(events: PipelineEvents): () => void {
    return combineUndo([
      events.on('batch:failed', (e) => {
        if (e.table === '?') return;
        const kind = e.bug === true ? 'bug' : e.transient ? 'transient' : 'permanent';
        this.record({ table: e.table, kind, message: describe(e.error) });
      }),
      events.on('file:outcome', (e) => {
        if (e.outcome !== 'poison' || e.table === undefined) return;
        const message = e.key === undefined ? e.reason : `${e.key}: ${e.reason}`;
        this.record({ table: e.table, kind: 'poison', message });
      }),
    ]);
  }

  record(error: TableErrorRecord): void {
    this.pending.set(error.table, error);
    this.start(error.table);
  }

  private start(table: string): void {
    if (this.writing.has(table) || !this.pending.has(table)) return;
    const write = this.flush(table).finally(() => {
      this.writing.delete(table);
      // An error recorded as the last write ended.
      this.start(table);
    });
    this.writing.set(table, write);
  }

  /** Resolves once every write under way has ended (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }

  private async flush(table: string): Promise<void> {
    for (let error = this.take(table); error !== undefined; error = this.take(table)) {
      const statements = recordTableErrorSql(this.deps.controlDatabase, error);
      try {
        await this.deps.pool.with(async (session) => {
          await session.exec('BEGIN');
          try {
            for (const sql of statements) await session.exec(sql);
            await session.exec('COMMIT');
          } catch (failure) {
            await session.exec('ROLLBACK').catch(() => undefined);
            throw failure;
          }
        });
      } catch (failure) {
        this.deps.logger.warn({ err: failure, table }, 'recording the table’s last error failed');
      }
    }
  }

  private take(table: string): TableErrorRecord | undefined {
    const error = this.pending.get(table);
    this.pending.delete(table);
    return error;
  }
}
