/**
 * Progress of running batches, for the liveness watchdog: every Databend statement of a batch
 * that gets an answer (a result or an error) counts as progress of that batch. A batch is one
 * long chain of statements, each bounded by databend.statementTimeoutMs; what the watchdog must
 * catch is a batch that stops moving altogether, whatever the reason.
 *
 * The batch a statement belongs to is found through AsyncLocalStorage: the loader runs its
 * statements on a shared pool and need not pass a batch handle through every step.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SessionSource, SqlSession } from '../databend/session-pool.js';

export class BatchProgress {
  private readonly current = new AsyncLocalStorage<() => void>();

  /** Runs one batch's work; `mark` is called at each answer its statements get. */
  run<T>(mark: () => void, work: () => Promise<T>): Promise<T> {
    return this.current.run(mark, work);
  }

  /** `pool`, with every answered statement marked as progress of the batch it runs in. */
  reporting(pool: SessionSource): SessionSource {
    const mark = (): void => this.current.getStore()?.();
    const answered = async <T>(work: Promise<T>): Promise<T> => {
      try {
        return await work;
      } finally {
        mark();
      }
    };
    return {
      with: (work) =>
        pool.with((session) => {
          mark();
          const reported: SqlSession = {
            exec: (sql) => answered(session.exec(sql)),
            query: (sql) => answered(session.query(sql)),
          };
          return work(reported);
        }),
    };
  }
}
