/**
 * The scheduled compaction of the raw tables (`maintenance.compactCron`, control/raw-compaction.ts)
 * as a duty of the active writer: one run per tick on one replica. Each run ends as a
 * `compaction:finished` event and a log line; a failure never stops the schedule or the service.
 */
import type { Logger } from 'pino';
import { compactRaw } from '../control/raw-compaction.js';
import type { SessionPool } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import { CronDuty } from './cron-duty.js';

export interface RawCompactionDutyOptions {
  readonly cron: string;
  readonly pool: SessionPool;
  readonly rawDatabase: string;
  readonly events: PipelineEvents;
  readonly logger: Logger;
}

export function rawCompactionDuty(options: RawCompactionDutyOptions): CronDuty {
  const { pool, rawDatabase, events, logger } = options;
  return new CronDuty({
    name: 'compaction',
    field: 'maintenance.compactCron',
    cron: options.cron,
    run: async () => {
      const started = performance.now();
      try {
        const result = await compactRaw(pool, rawDatabase);
        const failed = result.tables.filter((t) => !t.ok);
        events.emit('compaction:finished', {
          ok: result.tables.length - failed.length,
          failed: failed.map((t) => t.table),
          durationMs: result.durationMs,
        });
        const summary = { tables: result.tables.length, durationMs: Math.round(result.durationMs) };
        if (failed.length === 0) logger.info(summary, 'raw tables compacted');
        else
          logger.warn(
            { ...summary, failed: failed.map((t) => ({ table: t.table, error: t.error.message })) },
            'raw compaction failed for some tables',
          );
      } catch (error) {
        events.emit('compaction:finished', {
          ok: 0,
          failed: ['raw tables'],
          durationMs: performance.now() - started,
        });
        logger.error({ err: error }, 'raw compaction failed: the raw tables could not be listed');
      }
    },
  });
}
