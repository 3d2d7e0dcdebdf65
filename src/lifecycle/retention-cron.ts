/**
 * Raw retention on a cron schedule inside `run` (a CronDuty: the active writer's, never
 * overlapping itself). Each run ends as a `retention:completed` or `retention:failed` event
 * (metrics and logs subscribe); a failure never stops the schedule or the service.
 */
import { Cron } from 'croner';
import type { PipelineEvents } from '../events.js';
import { CronDuty } from './cron-duty.js';
import { purgeFailure, type PurgeResult } from '../control/retention.js';

export interface RetentionCronOptions {
  /** Five-field cron expression, in the process's time zone. */
  readonly cron: string;
  readonly purge: () => Promise<PurgeResult>;
  readonly events: PipelineEvents;
}

export class RetentionCron extends CronDuty {
  /** Throws ConfigError naming `retention.cron` when the expression is not valid. */
  constructor(options: RetentionCronOptions) {
    super({
      name: 'retention',
      field: 'retention.cron',
      cron: options.cron,
      run: () => purge(options),
    });
  }
}

async function purge({ purge: run, events }: RetentionCronOptions): Promise<void> {
  try {
    const result = await run();
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

/** The reason a cron expression is invalid, or undefined when it is valid (for `validate`). */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true }).stop();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
