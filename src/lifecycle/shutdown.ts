/**
 * Shutdown: one idempotent sequence with a deadline, run on SIGTERM/SIGINT or an unexpected error.
 *
 * The composition root gives the steps in order — readiness 503, stop polling, drain in-flight
 * batches, close clients in reverse order of creation — and this class runs them one after
 * another. There is one clock: `deadlineMs` after the start, the signal every step gets aborts,
 * and each step honours it by cutting its wait short (the drain returns its unfinished messages
 * to the queue at once); the steps after it still run, with the signal already aborted. Then it
 * flushes logs and exits:
 *   - 0 after a signal when every step finished, before or after the deadline;
 *   - 1 after an unexpected error, a failed step, or a step that ignored the abort and was still
 *     running `abortGraceMs` after the deadline (it is abandoned, the steps after it skipped);
 *   - 128 + signal number when a second SIGTERM/SIGINT forces the exit at once.
 * An uncaught exception or unhandled rejection is logged and stops the process; carrying on after
 * one would run on in an unknown state, so the orchestrator restarts it instead.
 */
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  /**
   * `signal` aborts when the deadline passes: the step then stops waiting and does only what
   * must not be left undone (it is abandoned if it still runs `abortGraceMs` later).
   */
  run: (signal: AbortSignal) => Promise<void> | void;
}

export type ShutdownReason =
  | { kind: 'signal'; signal: 'SIGTERM' | 'SIGINT' }
  | { kind: 'error'; origin: 'uncaughtException' | 'unhandledRejection'; error: unknown }
  /** The service itself decided to stop, e.g. the pipeline loop ended. */
  | { kind: 'request'; reason: string; failed: boolean };

/** What `install` needs of `process`; tests pass an EventEmitter with an `exit` spy. */
export interface ProcessLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  exit(code?: number): void;
}

export interface ShutdownOptions {
  /** The budget for all steps together; the steps' signal aborts when it is spent. */
  deadlineMs: number;
  /** How long after the deadline steps get to honour the abort (default 2 s). */
  abortGraceMs?: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'fatal'>;
  steps: readonly ShutdownStep[];
  /** Flushes logs; runs last, even after the deadline, for at most `flushTimeoutMs`. */
  flush?: () => Promise<void>;
  flushTimeoutMs?: number;
  /** Ends the process; the installed process's `exit` when absent. */
  exit?: (code: number) => void;
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

type Timed = 'done' | 'abandoned';

/**
 * Resolves when `work` settles or `signal` aborts, whichever comes first: for a step whose wait
 * may be cut short at the deadline (the work goes on unobserved until the process exits).
 */
export async function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  const settled = work.then(() => undefined);
  // A failure after the deadline has no one left to report to: the process is ending.
  settled.catch(() => undefined);
  if (signal.aborted) return;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([settled, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

export class Shutdown {
  readonly #options: ShutdownOptions;
  readonly #controller = new AbortController();
  #exit: ((code: number) => void) | undefined;
  #running: Promise<number> | undefined;
  #failed = false;

  constructor(options: ShutdownOptions) {
    this.#options = options;
    this.#exit = options.exit;
  }

  /** Aborts when shutdown begins: long waits elsewhere (polling, backoff) can listen to it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get started(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Runs the sequence once; later calls return the same exit code. Resolves after `exit` was
   * called (or, with no exit function, with the code the process should end with).
   */
  run(reason: ShutdownReason): Promise<number> {
    this.#running ??= this.#sequence(reason);
    return this.#running;
  }

  /** Handles SIGTERM, SIGINT, uncaughtException and unhandledRejection; returns the undo. */
  install(proc: ProcessLike): () => void {
    this.#exit ??= (code) => proc.exit(code);
    const listeners: [string, (...args: unknown[]) => void][] = [
      ['SIGTERM', () => this.#onSignal('SIGTERM')],
      ['SIGINT', () => this.#onSignal('SIGINT')],
      ['uncaughtException', (error) => this.#onError('uncaughtException', error)],
      ['unhandledRejection', (error) => this.#onError('unhandledRejection', error)],
    ];
    for (const [event, listener] of listeners) proc.on(event, listener);
    return () => {
      for (const [event, listener] of listeners) proc.off(event, listener);
    };
  }

  #onSignal(signal: 'SIGTERM' | 'SIGINT'): void {
    if (this.started) {
      this.#options.logger.warn({ signal }, 'second signal: exiting now');
      this.#exit?.(128 + SIGNAL_NUMBERS[signal]);
      return;
    }
    void this.run({ kind: 'signal', signal });
  }

  #onError(origin: 'uncaughtException' | 'unhandledRejection', error: unknown): void {
    this.#options.logger.fatal({ err: error, origin }, `${origin}: shutting down`);
    this.#failed = true;
    void this.run({ kind: 'error', origin, error });
  }

  async #sequence(reason: ShutdownReason): Promise<number> {
    const { logger, steps, deadlineMs } = this.#options;
    if (reason.kind === 'error' || (reason.kind === 'request' && reason.failed))
      this.#failed = true;
    logger.info({ reason: describe(reason), deadlineMs }, 'shutdown started');
    this.#controller.abort();

    const deadline = new AbortController();
    const deadlineTimer = setTimeout(() => {
      logger.warn({ deadlineMs }, 'shutdown deadline passed: steps stop waiting');
      deadline.abort(new Error(`shutdown deadline of ${deadlineMs} ms passed`));
    }, deadlineMs);
    // Not a second deadline: the bound on a step that does not honour the first.
    let abandonTimer: ReturnType<typeof setTimeout> | undefined;
    const abandoned = new Promise<Timed>((resolve) => {
      abandonTimer = setTimeout(
        () => resolve('abandoned'),
        deadlineMs + (this.#options.abortGraceMs ?? 2_000),
      );
    });

    const skipped: string[] = [];
    let gaveUp = false;
    for (const step of steps) {
      if (gaveUp) {
        skipped.push(step.name);
        continue;
      }
      const started = Date.now();
      try {
        const finished = Promise.resolve(step.run(deadline.signal)).then((): Timed => 'done');
        if ((await Promise.race([finished, abandoned])) === 'abandoned') {
          gaveUp = true;
          this.#failed = true;
          logger.error({ step: step.name }, 'shutdown step ignored the deadline: abandoned');
        } else {
          logger.info({ step: step.name, durationMs: Date.now() - started }, 'shutdown step done');
        }
      } catch (error) {
        this.#failed = true;
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    clearTimeout(deadlineTimer);
    clearTimeout(abandonTimer);

    const code = this.#failed ? 1 : 0;
    logger.info(
      { exitCode: code, skipped, deadlinePassed: deadline.signal.aborted },
      'shutdown done',
    );
    await this.#flush();
    this.#exit?.(code);
    return code;
  }

  async #flush(): Promise<void> {
    const flush = this.#options.flush;
    if (flush === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.flushTimeoutMs ?? 2_000);
    });
    try {
      await Promise.race([flush(), timeout]);
    } catch {
      // Nowhere left to report a failed log flush.
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(reason: ShutdownReason): string {
  switch (reason.kind) {
    case 'signal':
      return reason.signal;
    case 'error':
      return reason.origin;
    case 'request':
      return reason.reason;
  }
}
