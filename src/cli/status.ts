/**
 * `status`: per table, the last batch, what the ledger holds, whether it is paused and why, the
 * lag, the files held while it is paused and its last error; then the queue's message counts.
 * Read-only. Pending files of a running service live in its memory: its /metrics and GET /status
 * have them.
 */
import { Command } from 'commander';
import type { Config } from '../config.js';
import {
  lastBatchesFromRows,
  lastBatchesSql,
  ledgerTotalsFromRows,
  ledgerTotalsSql,
  tableStatesFromRows,
  tableStatesSql,
  type LedgerTotals,
} from '../control/status-sql.js';
import {
  firstLine,
  operatorAction,
  queryIfExists,
  withOperatorContext,
} from './operator-context.js';
import { heldSummarySql } from '../control/held-files-sql.js';
import { lastTableErrorsSql, tableErrorsFromRows } from '../control/table-errors-sql.js';
import { queueFacts, queueUrlOfArn } from './queue-info.js';
import { withHeldAndErrors } from './status-problems.js';
import { formatWriters, readWriters, type WritersStatus } from './status-writers.js';
import {
  formatStatus,
  tableStatuses,
  type QueueStatus,
  type TableStatus,
} from './status-format.js';

export function statusCommand(config: () => Config): Command {
  return new Command('status')
    .description(
      'per table: last batch, files and rows loaded, paused or not, lag, held files, last error; queue depth',
    )
    .option('--json', 'print JSON instead of a table')
    .action(
      operatorAction('status', async (options: { json?: boolean }) => {
        const { tables, queue, writers, warnings } = await readStatus(config());
        for (const warning of warnings) process.stderr.write(`status: ${warning}\n`);
        const text =
          options.json === true
            ? [JSON.stringify({ tables, queue: queue ?? null, writers }, null, 2)]
            : [...formatStatus(tables, queue), '', ...formatWriters(writers)];
        process.stdout.write(`${text.join('\n')}\n`);
      }),
    );
}

export interface StatusReport {
  readonly tables: TableStatus[];
  readonly queue: QueueStatus | undefined;
  /** The active replica (lease holder) and each table's last writer. */
  readonly writers: WritersStatus;
  /** What could not be read (the queue); the rest is still reported. */
  readonly warnings: string[];
}

/** Each table's last load, which bounds the ledger rows its last batch is looked for in. */
function lastLoads(totals: readonly LedgerTotals[]): Map<string, Date> {
  const loads = new Map<string, Date>();
  for (const t of totals) if (t.lastLoaded !== undefined) loads.set(t.table, t.lastLoaded);
  return loads;
}

export async function readStatus(config: Config): Promise<StatusReport> {
  return withOperatorContext(config, async ({ pool, sqs }) => {
    const control = config.databend.controlDatabase;
    const { tables, writers } = await pool.with(async (session) => {
      const totals = ledgerTotalsFromRows(await queryIfExists(session, ledgerTotalsSql(control)));
      const lastBatches = lastBatchesSql(control, lastLoads(totals));
      const batches = lastBatchesFromRows(
        lastBatches === undefined ? [] : await queryIfExists(session, lastBatches),
      );
      const states = tableStatesFromRows(await queryIfExists(session, tableStatesSql(control)));
      const held = await queryIfExists(session, heldSummarySql(control));
      const errors = tableErrorsFromRows(await queryIfExists(session, lastTableErrorsSql(control)));
      const statuses = withHeldAndErrors(tableStatuses(totals, batches, states), held, errors);
      return {
        tables: statuses,
        writers: await readWriters(
          session,
          config,
          statuses.map((t) => t.table),
        ),
      };
    });
    const warnings: string[] = [];
    let queue: QueueStatus | undefined;
    try {
      const facts = await queueFacts(sqs, config.sqs.queueUrl);
      let deadLetters: number | undefined;
      if (facts.redrive !== undefined) {
        try {
          const dlq = await queueFacts(
            sqs,
            await queueUrlOfArn(sqs, facts.redrive.deadLetterTargetArn),
          );
          deadLetters = dlq.waiting + dlq.inFlight + dlq.delayed;
        } catch (error) {
          warnings.push(`the dead-letter queue did not answer: ${firstLine(error)}`);
        }
      }
      queue = {
        waiting: facts.waiting,
        inFlight: facts.inFlight,
        delayed: facts.delayed,
        ...(deadLetters === undefined ? {} : { deadLetters }),
      };
    } catch (error) {
      warnings.push(`the queue did not answer: ${firstLine(error)}`);
    }
    return { tables, queue, writers, warnings };
  });
}
