/**
 * Scheduled reconcile inside `run` (`reconcile.cron`, off by default): the same check as the
 * command, without repair — healing stays an operator's decision. croner's `protect` skips a
 * tick while the previous run is still going. Results go to metrics and one log line; a
 * failure never stops the schedule or the service. Only the replica holding the lease keeps
 * the schedule running (lifecycle/holder-duties.ts): one check per tick, not one per replica.
 */
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import { CronDuty } from '../lifecycle/cron-duty.js';
import { reconcile, statusIsEqual } from './reconcile.js';
import type { ReconcileMetrics } from './reconcile-metrics.js';

export class ReconcileCron extends CronDuty {
  /** Throws ConfigError naming the field when the schedule cannot run. */
  constructor(config: Config, pool: SessionPool, metrics: ReconcileMetrics, logger: Logger) {
    const { cron, sourceUrl } = config.reconcile;
    if (cron !== '' && sourceUrl === undefined)
      throw new ConfigError(
        'invalid configuration:\n  reconcile.sourceUrl: required when reconcile.cron is set (env RECONCILE_SOURCE_URL)',
      );
    super({
      name: 'reconcile',
      field: 'reconcile.cron',
      cron,
      run: () => check(config, pool, metrics, logger),
    });
  }
}

async function check(
  config: Config,
  pool: SessionPool,
  metrics: ReconcileMetrics,
  logger: Logger,
): Promise<void> {
  const r = config.reconcile;
  if (r.sourceUrl === undefined) return;
  try {
    const report = await reconcile(config, pool, {
      sourceUrl: r.sourceUrl,
      tables: r.tables.length > 0 ? r.tables : undefined,
      chunkRows: r.chunkRows,
      maxRowsPerSecond: r.maxRowsPerSecond,
      settleMs: r.settleSeconds * 1000,
      asOf: undefined,
      repair: 'off',
    });
    metrics.record(report);
    const differing = report.tables.filter((t) => !statusIsEqual(t.status));
    const summary = {
      tables: report.tables.length,
      differing: differing.map((t) => ({
        table: t.table,
        status: t.status,
        missing: t.missingInOds.length,
        extra: t.extraInOds.length,
        values: t.valuesDiffer.length,
        inFlight: t.inFlight.length,
        error: t.error,
      })),
      sourceRowsRead: report.sourceRowsRead,
    };
    if (report.equal) logger.info(summary, 'reconcile: ODS equals the source');
    else logger.warn(summary, 'reconcile: ODS differs from the source');
  } catch (error) {
    metrics.recordError();
    logger.error({ err: error }, 'reconcile failed');
  }
}
