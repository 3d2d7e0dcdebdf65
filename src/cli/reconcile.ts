/**
 * `reconcile`: is ODS equal to the MySQL source? Per table a progress bar on stderr (only on a
 * terminal), the result on stdout as a table or JSON; exit 0 only when every table is equal.
 * `--repair` plans the healing writes (a dry run); `--repair --apply` writes them.
 */
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import { reconcile, type RepairMode } from '../reconcile/reconcile.js';
import { formatReport } from '../reconcile/report-format.js';
import { OperatorError, operatorAction, withOperatorContext } from './operator-context.js';

function nonNegativeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a whole number ≥ 0');
  return n;
}

function positiveInteger(text: string): number {
  const n = nonNegativeInteger(text);
  if (n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** ISO-8601 or `YYYY-MM-DD HH:MM:SS`, UTC; returned as `YYYY-MM-DD HH:MM:SS`. */
function utcTime(text: string): string {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('an ISO-8601 time (UTC)');
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface ReconcileCliOptions {
  source?: string;
  table?: string[];
  chunkRows?: number;
  asOf?: string;
  maxRowsPerSecond?: number;
  settleSeconds?: number;
  json?: boolean;
  repair?: boolean;
  apply?: boolean;
}

export function reconcileCommand(config: () => Config): Command {
  return new Command('reconcile')
    .description(
      'compare ODS with the MySQL source by primary-key chunks and checksums; exit 0 only when equal',
    )
    .option('--source <url>', 'mysql://user:password@host:port/ (default: reconcile.sourceUrl)')
    .option(
      '--table <schema.table>',
      'a source table to check (repeatable; default: all configured)',
      collect,
    )
    .option(
      '--chunk-rows <rows>',
      'source rows per chunk (default: reconcile.chunkRows)',
      positiveInteger,
    )
    .option(
      '--as-of <time>',
      "first wait (up to the settle time) until each table's commit watermark reaches TIME (UTC)",
      utcTime,
    )
    .option('--max-rows-per-second <rows>', 'throttle on source reads; 0: none', nonNegativeInteger)
    .option(
      '--settle-seconds <s>',
      'how long differing keys may wait for changes in flight',
      nonNegativeInteger,
    )
    .option('--json', 'print JSON instead of a table')
    .option('--repair', 'plan writes that heal the differences (dry run unless --apply)')
    .option('--apply', 'with --repair: write them through the normal ordered path')
    .action(
      operatorAction('reconcile', async (options: ReconcileCliOptions) => {
        const cfg = config();
        const sourceUrl = options.source ?? cfg.reconcile.sourceUrl;
        if (sourceUrl === undefined)
          throw new OperatorError('no source: pass --source mysql://… or set RECONCILE_SOURCE_URL');
        if (options.apply === true && options.repair !== true)
          throw new OperatorError('--apply goes with --repair');
        const repair: RepairMode =
          options.repair === true ? (options.apply === true ? 'apply' : 'plan') : 'off';
        const bars = new cliProgress.MultiBar(
          {
            stream: process.stderr,
            format: 'reconcile {table} [{bar}] {value}/{total} source rows | ETA {eta_formatted}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        const byTable = new Map<string, cliProgress.SingleBar>();
        const report = await withOperatorContext(cfg, ({ pool }) =>
          reconcile(
            cfg,
            pool,
            {
              sourceUrl,
              tables:
                options.table ??
                (cfg.reconcile.tables.length > 0 ? cfg.reconcile.tables : undefined),
              chunkRows: options.chunkRows ?? cfg.reconcile.chunkRows,
              maxRowsPerSecond: options.maxRowsPerSecond ?? cfg.reconcile.maxRowsPerSecond,
              settleMs: (options.settleSeconds ?? cfg.reconcile.settleSeconds) * 1000,
              asOf: options.asOf,
              repair,
            },
            {
              tableStarted: (table, estimate) =>
                byTable.set(table, bars.create(Math.max(estimate, 1), 0, { table })),
              tableProgress: (table, rows) => {
                const bar = byTable.get(table);
                if (bar === undefined) return;
                if (rows > bar.getTotal()) bar.setTotal(rows);
                bar.update(rows, { table });
              },
              tableDone: (t) => {
                const bar = byTable.get(t.table);
                if (bar !== undefined) {
                  bar.setTotal(Math.max(t.sourceRows, 1));
                  bar.update(t.sourceRows, { table: t.table });
                }
              },
            },
          ).finally(() => bars.stop()),
        );
        const text =
          options.json === true ? [JSON.stringify(report, null, 2)] : formatReport(report);
        process.stdout.write(`${text.join('\n')}\n`);
        process.exitCode = report.equal ? 0 : 1;
      }),
    );
}
