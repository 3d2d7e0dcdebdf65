/**
 * Raw retention on a cron schedule inside `run`. croner parses standard five-field (and
 * six-field, with seconds) expressions, has no dependencies, ships its own types, and its
 * `protect` option skips a tick while the previous run is still going, so a slow purge never
 * overlaps itself. Each run ends as a `retention:completed` or `retention:failed` event (metrics
 * and logs subscribe); a failure never stops the schedule or the service.
 */
import { Cron } from 'croner';
import { ConfigError } from '../config.js';
import type { PipelineEvents } from '../events.js';
import type { HolderDuty } from './holder-duties.js';
import { purgeFailure, type PurgeResult } from '../control/retention.js';

export interface RetentionCronOptions {
  /** Five-field cron expression, in the process's time zone. */
  readonly cron: string;
  readonly purge: () => Promise<PurgeResult>;
  readonly events: PipelineEvents;
}

export class RetentionCron implements HolderDuty {
  readonly name = 'retention';
  private readonly job: Cron;
  private running: Promise<void> | undefined;

  /** Throws ConfigError naming `retention.cron` when the expression is not valid. */
  constructor(private readonly options: RetentionCronOptions) {
    try {
      this.job = new Cron(options.cron, { paused: true, protect: true }, () => this.runOnce());
    } catch (error) {
      throw new ConfigError(
        `invalid configuration:\n  retention.cron: ${(error as Error).message} (got "${options.cron}")`,
      );
    }
  }

  /** Starts the schedule. */
  start(): void {
    this.job.resume();
  }

  /** Stops scheduling purges until `start` (a replica that stopped being the active writer). */
  pause(): void {
    this.job.pause();
  }

  /** Whether ticks run purges now (started and not paused). */
  scheduled(): boolean {
    return this.job.isRunning();
  }

  nextRun(): Date | null {
    return this.job.nextRun();
  }

  /** Runs retention once now, as a tick would; resolves when it ended (never rejects). */
  runOnce(): Promise<void> {
    this.running ??= this.purge().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the schedule and waits for a run in progress (the caller bounds the wait). */
  async stop(): Promise<void> {
    this.job.stop();
    await this.running;
  }

  private async purge(): Promise<void> {
    const { events } = this.options;
    try {
      const result = await this.options.purge();
      const failure = purgeFailure(result);
      if (failure === undefined)
        events.emit('retention:completed', {
          rowsDeleted: result.rowsDeleted,
          durationMs: result.durationMs,
        });
      else events.emit('retention:failed', { error: failure });
    } catch (error) {
      events.emit('retention:failed', { error });
    }
  }
}

/** The reason a cron expression is invalid, or undefined when it is valid (for `validate`). */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true }).stop();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
