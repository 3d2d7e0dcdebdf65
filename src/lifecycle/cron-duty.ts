/**
 * A job on a cron schedule that only the active writer runs (holder-duties.ts). croner parses
 * standard five-field (and six-field, with seconds) expressions, and its `protect` option skips a
 * tick while the previous run is still going, so a slow run never overlaps itself. An empty
 * expression is a job switched off. The job reports its own outcome and must not reject.
 */
import { Cron } from 'croner';
import { ConfigError } from '../config.js';
import type { HolderDuty } from './holder-duties.js';

export interface CronDutyOptions {
  readonly name: string;
  /** The configuration field, named when the expression is invalid. */
  readonly field: string;
  /** Five-field cron expression, in the process's time zone; '' never runs. */
  readonly cron: string;
  readonly run: () => Promise<void>;
}

export class CronDuty implements HolderDuty {
  readonly name: string;
  private readonly job: Cron | undefined;
  private running: Promise<void> | undefined;

  /** Throws ConfigError naming the field when the expression is not valid. */
  constructor(private readonly options: CronDutyOptions) {
    this.name = options.name;
    if (options.cron === '') return;
    try {
      this.job = new Cron(options.cron, { paused: true, protect: true }, () => this.runOnce());
    } catch (error) {
      throw new ConfigError(
        `invalid configuration:\n  ${options.field}: ${(error as Error).message} (got "${options.cron}")`,
      );
    }
  }

  start(): void {
    this.job?.resume();
  }

  /** Stops scheduling runs until `start`; a run in progress finishes. */
  pause(): void {
    this.job?.pause();
  }

  /** Whether ticks run the job now (set, started and not paused). */
  scheduled(): boolean {
    return this.job?.isRunning() ?? false;
  }

  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  /** Runs the job once now, as a tick would; resolves when it ended. */
  runOnce(): Promise<void> {
    this.running ??= this.options.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the schedule and waits for a run in progress (the caller bounds the wait). */
  async stop(): Promise<void> {
    this.job?.stop();
    await this.running;
  }
}
