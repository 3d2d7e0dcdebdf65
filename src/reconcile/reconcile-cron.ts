/**
 * Scheduled reconcile inside `run` (`reconcile.cron`, off by default): the same check as the
 * command, without repair — healing stays an operator's decision. croner's `protect` skips a
 * tick while the previous run is still going. Results go to metrics and one log line; a
 * failure never stops the schedule or the service. Only the replica holding the lease keeps
 * the schedule running (lifecycle/holder-duties.ts): one check per tick, not one per replica.
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import type { HolderDuty } from '../lifecycle/holder-duties.js';
import { reconcile, statusIsEqual } from './reconcile.js';
import type { ReconcileMetrics } from './reconcile-metrics.js';

export class ReconcileCron implements HolderDuty {
  readonly name = 'reconcile';
  private readonly job: Cron | undefined;
  private running: Promise<void> | undefined;

  /** Throws ConfigError naming the field when the schedule cannot run. */
  constructor(
    private readonly config: Config,
    private readonly pool: SessionPool,
    private readonly metrics: ReconcileMetrics,
    private readonly logger: Logger,
  ) {
    const { cron, sourceUrl } = config.reconcile;
    if (cron === '') return;
    if (sourceUrl === undefined)
      throw new ConfigError(
        'invalid configuration:\n  reconcile.sourceUrl: required when reconcile.cron is set (env RECONCILE_SOURCE_URL)',
      );
    try {
      this.job = new Cron(cron, { paused: true, protect: true }, () => this.runOnce());
    } catch (error) {
      throw new ConfigError(
        `invalid configuration:\n  reconcile.cron: ${(error as Error).message} (got "${cron}")`,
      );
    }
  }

  start(): void {
    this.job?.resume();
  }

  /** Stops scheduling checks until `start`; a check in progress finishes (it only reads). */
  pause(): void {
    this.job?.pause();
  }

  /** Whether ticks run checks now (set, started and not paused). */
  scheduled(): boolean {
    return this.job?.isRunning() ?? false;
  }

  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  runOnce(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.job?.stop();
    await this.running;
  }

  private async check(): Promise<void> {
    const r = this.config.reconcile;
    if (r.sourceUrl === undefined) return;
    try {
      const report = await reconcile(this.config, this.pool, {
        sourceUrl: r.sourceUrl,
        tables: r.tables.length > 0 ? r.tables : undefined,
        chunkRows: r.chunkRows,
        maxRowsPerSecond: r.maxRowsPerSecond,
        settleMs: r.settleSeconds * 1000,
        asOf: undefined,
        repair: 'off',
      });
      this.metrics.record(report);
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
      if (report.equal) this.logger.info(summary, 'reconcile: ODS equals the source');
      else this.logger.warn(summary, 'reconcile: ODS differs from the source');
    } catch (error) {
      this.metrics.recordError();
      this.logger.error({ err: error }, 'reconcile failed');
    }
  }
}
