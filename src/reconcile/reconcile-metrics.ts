/**
 * Reconcile's metrics, on the service's registry (docs/reconcile.md lists them). They live
 * beside reconcile rather than in src/metrics/definitions.ts because only `run` with
 * `reconcile.cron` and the command itself produce them.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/definitions.js';
import type { ReconcileReport } from './reconcile.js';

export class ReconcileMetrics {
  private readonly keysChecked: Counter<'table'>;
  private readonly chunksDiffering: Counter<'table'>;
  private readonly keysDiffering: Gauge<'table'>;
  private readonly keysRepaired: Counter<'table'>;
  private readonly runs: Counter<'result'>;
  private readonly lastRun: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.keysChecked = new Counter({
      name: `${METRIC_PREFIX}reconcile_keys_checked_total`,
      help: 'Source rows reconcile compared with ODS.',
      labelNames: ['table'],
      registers,
    });
    this.chunksDiffering = new Counter({
      name: `${METRIC_PREFIX}reconcile_chunks_differing_total`,
      help: 'Primary-key chunks whose count or checksum differed from the source (before in-flight keys settled).',
      labelNames: ['table'],
      registers,
    });
    this.keysDiffering = new Gauge({
      name: `${METRIC_PREFIX}reconcile_keys_differing`,
      help: 'Keys that differed from the source at the last reconcile, in-flight changes excluded.',
      labelNames: ['table'],
      registers,
    });
    this.keysRepaired = new Counter({
      name: `${METRIC_PREFIX}reconcile_keys_repaired_total`,
      help: 'Keys reconcile --repair --apply wrote from the source (rows and tombstones).',
      labelNames: ['table'],
      registers,
    });
    this.runs = new Counter({
      name: `${METRIC_PREFIX}reconcile_runs_total`,
      help: 'Reconcile runs by result: equal, different or error.',
      labelNames: ['result'],
      registers,
    });
    this.lastRun = new Gauge({
      name: `${METRIC_PREFIX}reconcile_last_run_timestamp_seconds`,
      help: 'When the last reconcile run ended, Unix time.',
      registers,
    });
    for (const result of ['equal', 'different', 'error']) this.runs.inc({ result }, 0);
  }

  record(report: ReconcileReport, now: number = Date.now()): void {
    for (const t of report.tables) {
      const table = t.target === '' ? t.table : t.target;
      this.keysChecked.inc({ table }, t.sourceRows);
      this.chunksDiffering.inc({ table }, t.chunksDiffering);
      this.keysDiffering.set(
        { table },
        t.missingInOds.length + t.extraInOds.length + t.valuesDiffer.length,
      );
      if (t.repair?.applied === true)
        this.keysRepaired.inc({ table }, t.repair.upserts + t.repair.tombstones);
    }
    this.runs.inc({ result: report.equal ? 'equal' : 'different' });
    this.lastRun.set(now / 1000);
  }

  recordError(now: number = Date.now()): void {
    this.runs.inc({ result: 'error' });
    this.lastRun.set(now / 1000);
  }
}
