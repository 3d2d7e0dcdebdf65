/**
 * The pipeline's lifecycle events. The pipeline only emits; metrics and logs subscribe, so the
 * core loop carries no observability code and a new subscriber needs no change to it.
 *
 * A listener that throws must never fail the pipeline: `batch:committed` is emitted after COMMIT,
 * and an exception there would otherwise look like a failed batch. So `emit` isolates listeners
 * and hands their errors to `onListenerError` (normally a log line).
 */

/** Change rows by DMS operation: inserts (and full-load rows), updates, deletes. */
export interface RowsByOp {
  I: number;
  U: number;
  D: number;
}

export interface BatchCommitted {
  table: string;
  batchId: string;
  /** Files the batch loaded (each exactly once, recorded in the ledger). */
  files: number;
  /** Change rows COPY appended to raw, by operation. */
  rows: RowsByOp;
  /** Rows of ODS the MERGE inserted, updated or tombstoned (what the driver reports as affected). */
  rowsMerged: number;
  /**
   * The batch's ledger look-up: the fencing step's check, inside the transaction, that none of
   * its files is loaded already (part of copyMs).
   */
  lookupMs?: number;
  copyMs: number;
  mergeMs: number;
  /** From the first statement to COMMIT, retries of this attempt's statements included. */
  totalMs: number;
  /** The oldest S3 event time among the batch's files: the worst end-to-end latency it carried. */
  oldestEventTime?: Date;
  /** The newest DMS commit time (timestamp column) in the batch: how current ODS now is. */
  newestCommitTime?: Date;
}

export interface BatchFailed {
  table: string;
  batchId: string;
  error: unknown;
  /** 1 for the first attempt. */
  attempt: number;
  /** True when the batch will be retried (rolled back, messages back to the queue). */
  transient: boolean;
  /** True when the error is a defect of this program, not Databend's answer or the data's. */
  bug?: boolean;
}

/** Another writer committed to the table during the batch: it runs again (no attempt used). */
export interface BatchConflict {
  table: string;
}

/** The batch was not committed because this process may not write (no lease, or a newer token). */
export interface BatchFenced {
  table: string;
  reason: string;
}

/** This process became the active writer (took the replicas' lease). */
export interface LeaseAcquired {
  owner: string;
  token: number;
}

/** This process stopped being the active writer. */
export interface LeaseLost {
  owner: string;
  token: number;
  reason: string;
}

export type FileOutcomeKind = 'done' | 'ignored' | 'retry' | 'poison';

export interface FileOutcome {
  /** Absent when the message never named a table (test events, keys outside the layout). */
  table?: string;
  outcome: FileOutcomeKind;
  /** A short, human reason; never used as a metric label. */
  reason: string;
  /** The S3 key, for logs only (unbounded, so never a metric label). */
  key?: string;
}

export interface TablePaused {
  table: string;
  reason: string;
}

export interface TableResumed {
  table: string;
}

export interface FileFoundBySweep {
  table: string;
  key?: string;
}

/** Files of a table suggest a DMS endpoint setting that loses information; once per table. */
export interface DmsSettingsWarningEvent {
  table: string;
  /** The DMS setting to look at: `CdcInsertsAndUpdates` or `IncludeOpForFullLoad`. */
  setting: string;
  /** What was seen and what to set. */
  message: string;
}

export interface DatabendErrorEvent {
  /** The server's error code, or `transport` when the server was not reached. */
  code: number | 'transport';
}

/** A batch of a table with no primary key configured committed: loaded to raw only, no ODS. */
export interface TableRawOnly {
  table: string;
  /** `<schema>.<table>` as DMS names it: the name to configure a key for. */
  source: string;
  files: number;
}

export interface RetentionCompleted {
  rowsDeleted: number;
  durationMs: number;
}

export interface RetentionFailed {
  error: unknown;
}

/** The scheduled compaction of raw ran (control/raw-compaction.ts); `failed` tables named. */
export interface CompactionFinished {
  /** Tables compacted. */
  ok: number;
  /** Tables that failed (`raw tables` when they could not be listed). */
  failed: readonly string[];
  durationMs: number;
}

/** A new full-load generation of a table began (reloads.ts). */
export interface ReloadSeen {
  table: string;
}

/** A complete generation was applied: `tombstoned` ODS keys it lacked were deleted. */
export interface ReloadApplied {
  table: string;
  tombstoned: number;
}

/** Every event the pipeline emits, by name. */
export interface PipelineEventMap {
  'batch:committed': BatchCommitted;
  'batch:failed': BatchFailed;
  'batch:conflict': BatchConflict;
  'batch:fenced': BatchFenced;
  'lease:acquired': LeaseAcquired;
  'lease:lost': LeaseLost;
  'file:outcome': FileOutcome;
  'table:paused': TablePaused;
  'table:resumed': TableResumed;
  'file:found-by-sweep': FileFoundBySweep;
  'dms:settings-warning': DmsSettingsWarningEvent;
  'table:raw-only': TableRawOnly;
  'databend:error': DatabendErrorEvent;
  'retention:completed': RetentionCompleted;
  'retention:failed': RetentionFailed;
  'compaction:finished': CompactionFinished;
  'reload:seen': ReloadSeen;
  'reload:applied': ReloadApplied;
}

export type PipelineEventName = keyof PipelineEventMap;
export type Listener<E extends PipelineEventName> = (payload: PipelineEventMap[E]) => void;

/** Any listener; `emit` narrows it back by the event name it was stored under. */
type AnyListener = (payload: never) => void;

export interface PipelineEventsOptions {
  /** Called when a listener throws; the emit goes on with the other listeners. */
  onListenerError?: (error: unknown, event: PipelineEventName) => void;
}

/** A tiny typed emitter: synchronous, listener errors isolated, `on` returns its own undo. */
export class PipelineEvents {
  readonly #listeners = new Map<PipelineEventName, Set<AnyListener>>();
  readonly #onListenerError: (error: unknown, event: PipelineEventName) => void;

  constructor(options: PipelineEventsOptions = {}) {
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends PipelineEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends PipelineEventName>(event: E, payload: PipelineEventMap[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }

  listenerCount(event: PipelineEventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}

/** One function that undoes several subscriptions. */
export function combineUndo(subscriptions: readonly (() => void)[]): () => void {
  return () => {
    for (const undo of subscriptions) undo();
  };
}
