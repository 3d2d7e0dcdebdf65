/**
 * Per-table micro-batching with one writer per table. Files of a table that wait together go in
 * one batch, bounded by count, bytes and wait time; full-load files go before CDC files. While
 * the queue is deep (`backlogged`) and the table's files keep coming, a batch keeps collecting
 * up to `maxBacklogWaitMs`: every batch is one more MERGE over the whole ODS table, so a backlog
 * cut into small first batches drains slower than one cut into few large ones. Tables run in
 * parallel up to a limit. A file announced again while it waits or loads joins the same
 * load instead of loading twice. A paused table keeps its files waiting.
 */
import PQueue from 'p-queue';
import type { FileResult } from './file-outcome.js';
import { byDmsOrder, type PendingFile } from './pending-file.js';
import { fileId } from '../files/file-ref.js';

export interface TableQueuesOptions {
  readonly maxFiles: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
  /** How long a batch may keep collecting past maxWaitMs while `backlogged()`; 0 never does. */
  readonly maxBacklogWaitMs: number;
  /** True while more files are known to be on their way (the last SQS receive came back full). */
  readonly backlogged: () => boolean;
  readonly concurrency: number;
  /** Called once per file that starts waiting (not for one that joins a waiting or loading file). */
  readonly onQueued?: (file: PendingFile) => void;
  /**
   * Loads one batch of one table; resolves with an outcome for every file. `progress` is called
   * whenever the batch moves (the liveness watchdog asks how long ago it last did).
   */
  readonly run: (
    table: string,
    files: readonly PendingFile[],
    progress: () => void,
  ) => Promise<Map<string, FileResult>>;
}

interface Waiting {
  readonly file: PendingFile;
  readonly since: number;
  readonly callbacks: ((result: FileResult) => void)[];
}

interface TableState {
  readonly waiting: Map<string, Waiting>;
  /** When the table's newest waiting file arrived. */
  lastArrival: number;
  readonly inFlight: Map<string, Waiting>;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  /** While a batch runs (not while it waits for a slot): when it last made progress. */
  batchProgressAt: number | undefined;
  paused: boolean;
}

/** How often a batch collecting during a backlog looks again. */
const BACKLOG_RECHECK_MS = 100;
/**
 * A table with no new file for this long has no more in the backlog: its batch starts, however
 * deep the queue (many tables streaming at once also fill every receive).
 */
const BACKLOG_QUIET_MS = 500;

export class TableQueues {
  private readonly tables = new Map<string, TableState>();
  private readonly workers: PQueue;

  constructor(private readonly options: TableQueuesOptions) {
    this.workers = new PQueue({ concurrency: options.concurrency });
  }

  /** Resolves when the file has an outcome. */
  add(file: PendingFile): Promise<FileResult> {
    return new Promise((resolve) => {
      const table = file.route.target;
      const state = this.state(table);
      const id = fileId(file.ref);
      const existing = state.waiting.get(id) ?? state.inFlight.get(id);
      if (existing !== undefined) {
        existing.callbacks.push(resolve);
        return;
      }
      state.waiting.set(id, { file, since: Date.now(), callbacks: [resolve] });
      state.lastArrival = Date.now();
      this.options.onQueued?.(file);
      this.schedule(table, state);
    });
  }

  pause(table: string): void {
    this.state(table).paused = true;
  }

  resume(table: string): void {
    const state = this.state(table);
    state.paused = false;
    this.schedule(table, state);
  }

  isPaused(table: string): boolean {
    return this.tables.get(table)?.paused ?? false;
  }

  /** Files waiting or loading per table, and the S3 event time of the oldest: for metrics and status. */
  pending(): { table: string; files: number; oldestEventTime: Date }[] {
    return [...this.tables].map(([table, s]) => {
      const all = [...s.waiting.values(), ...s.inFlight.values()];
      const times = all.map((w) => w.file.ref.eventTime.getTime());
      return {
        table,
        files: all.length,
        oldestEventTime: new Date(times.length === 0 ? Date.now() : Math.min(...times)),
      };
    });
  }

  /** Each running batch and when it last made progress: for the liveness watchdog. */
  runningBatches(): { table: string; lastProgressAt: number }[] {
    return [...this.tables].flatMap(([table, s]) =>
      s.batchProgressAt === undefined ? [] : [{ table, lastProgressAt: s.batchProgressAt }],
    );
  }

  /** Stops timers; waiting files stay unresolved (their messages go back to the queue). */
  stop(): void {
    for (const state of this.tables.values()) {
      if (state.timer !== undefined) clearTimeout(state.timer);
      state.timer = undefined;
      state.paused = true;
    }
  }

  private state(table: string): TableState {
    let state = this.tables.get(table);
    if (state === undefined) {
      state = {
        waiting: new Map(),
        lastArrival: 0,
        inFlight: new Map(),
        timer: undefined,
        running: false,
        batchProgressAt: undefined,
        paused: false,
      };
      this.tables.set(table, state);
    }
    return state;
  }

  private schedule(table: string, state: TableState): void {
    if (state.running || state.paused || state.waiting.size === 0) return;
    const bytes = [...state.waiting.values()].reduce((sum, w) => sum + w.file.ref.size, 0);
    const full = state.waiting.size >= this.options.maxFiles || bytes >= this.options.maxBytes;
    if (full) {
      if (state.timer !== undefined) clearTimeout(state.timer);
      state.timer = undefined;
      this.start(table, state);
      return;
    }
    if (state.timer !== undefined) return;
    const oldest = Math.min(...[...state.waiting.values()].map((w) => w.since));
    const delay = Math.max(0, oldest + this.options.maxWaitMs - Date.now());
    state.timer = setTimeout(() => this.onTimer(table, state, oldest), delay);
  }

  private onTimer(table: string, state: TableState, oldest: number): void {
    state.timer = undefined;
    if (state.running || state.paused) return;
    const collectUntil = oldest + this.options.maxWaitMs + this.options.maxBacklogWaitMs;
    const stillComing = Date.now() - state.lastArrival < BACKLOG_QUIET_MS;
    if (this.options.backlogged() && stillComing && Date.now() < collectUntil) {
      const delay = Math.min(BACKLOG_RECHECK_MS, collectUntil - Date.now());
      state.timer = setTimeout(() => this.onTimer(table, state, oldest), delay);
      return;
    }
    this.start(table, state);
  }

  private start(table: string, state: TableState): void {
    const batch = this.takeBatch(state);
    if (batch.length === 0) return;
    state.running = true;
    void this.workers.add(async () => {
      let results: Map<string, FileResult>;
      state.batchProgressAt = Date.now();
      try {
        results = await this.options.run(
          table,
          batch.map((w) => w.file),
          () => {
            state.batchProgressAt = Date.now();
          },
        );
      } catch (error) {
        const reason = `batch failed: ${error instanceof Error ? error.message : String(error)}`;
        results = new Map(
          batch.map((w) => [fileId(w.file.ref), { kind: 'retry', reason } as const]),
        );
      }
      for (const waiting of batch) {
        const id = fileId(waiting.file.ref);
        state.inFlight.delete(id);
        const result =
          results.get(id) ?? ({ kind: 'retry', reason: 'the batch gave no outcome' } as const);
        for (const callback of waiting.callbacks) callback(result);
      }
      state.running = false;
      state.batchProgressAt = undefined;
      this.schedule(table, state);
    });
  }

  /** The next batch in DMS order, within the count and byte bounds (at least one file). */
  private takeBatch(state: TableState): Waiting[] {
    const ordered = [...state.waiting.values()].sort((a, b) => byDmsOrder(a.file, b.file));
    const batch: Waiting[] = [];
    let bytes = 0;
    for (const waiting of ordered) {
      if (batch.length >= this.options.maxFiles) break;
      if (batch.length > 0 && bytes + waiting.file.ref.size > this.options.maxBytes) break;
      batch.push(waiting);
      bytes += waiting.file.ref.size;
    }
    for (const waiting of batch) {
      const id = fileId(waiting.file.ref);
      state.waiting.delete(id);
      state.inFlight.set(id, waiting);
    }
    return batch;
  }
}
