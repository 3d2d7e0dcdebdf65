/**
 * Shutdown: one idempotent sequence with a deadline, run on SIGTERM/SIGINT or an unexpected error.
 *
 * The composition root gives the steps in order — readiness 503, stop polling, drain in-flight
 * batches, close clients in reverse order of creation — and this class runs them one after
 * another, all within `deadlineMs`, then flushes logs and exits:
 *   - 0 after a signal when every step finished in time;
 *   - 1 after an unexpected error, a failed step, or a passed deadline (steps not yet started are
 *     skipped: unacknowledged SQS messages return to the queue by themselves);
 *   - 128 + signal number when a second SIGTERM/SIGINT forces the exit at once.
 * An uncaught exception or unhandled rejection is logged and stops the process; carrying on after
 * one would run on in an unknown state, so the orchestrator restarts it instead.
 */
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  /** `signal` aborts when the deadline passes; a step that ignores it is abandoned then. */
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
  /** The budget for all steps together. */
  deadlineMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'fatal'>;
  steps: readonly ShutdownStep[];
  /** Flushes logs; runs last, even after the deadline, for at most `flushTimeoutMs`. */
  flush?: () => Promise<void>;
  flushTimeoutMs?: number;
  /** Ends the process; the installed process's `exit` when absent. */
  exit?: (code: number) => void;
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

type Timed = 'done' | 'deadline';

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
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    const deadlinePassed = new Promise<Timed>((resolve) => {
      deadlineTimer = setTimeout(() => {
        deadline.abort(new Error(`shutdown deadline of ${deadlineMs} ms passed`));
        resolve('deadline');
      }, deadlineMs);
    });

    const skipped: string[] = [];
    for (const step of steps) {
      if (deadline.signal.aborted) {
        skipped.push(step.name);
        continue;
      }
      const started = Date.now();
      try {
        const finished = Promise.resolve(step.run(deadline.signal)).then((): Timed => 'done');
        const outcome = await Promise.race([finished, deadlinePassed]);
        if (outcome === 'deadline') {
          logger.error({ step: step.name }, 'shutdown step still running at the deadline');
        } else {
          logger.info({ step: step.name, durationMs: Date.now() - started }, 'shutdown step done');
        }
      } catch (error) {
        this.#failed = true;
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    clearTimeout(deadlineTimer);
    if (deadline.signal.aborted) this.#failed = true;

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
