/**
 * `replay --table T`: rebuild T's ODS from its raw change log (see ingest/ods-replay.ts), with a
 * progress bar on stderr. The bar is cli-progress: widely used, maintained, typed, and it draws
 * only on a terminal, so piped or logged output stays clean; the result goes to stdout.
 */
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import { replayTable, ReplayError, type ReplayPlan } from '../ingest/ods-replay.js';
import { OperatorError, operatorAction, withOperatorContext } from './operator-context.js';

const DEFAULT_CHUNK_ROWS = 500_000;

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

export function replayCommand(config: () => Config): Command {
  return new Command('replay')
    .description("rebuild a table's ODS from raw (creating it if missing); reloads no file")
    .requiredOption('--table <table>', 'the Databend table name, as `status` lists it')
    .option(
      '--chunk-rows <rows>',
      'raw rows merged per statement (whole batches; a chunk may be larger by one batch)',
      positiveInteger,
      DEFAULT_CHUNK_ROWS,
    )
    .action(
      operatorAction('replay', async (options: { table: string; chunkRows: number }) => {
        const cfg = config();
        const { odsDatabase, rawDatabase } = cfg.databend;
        const bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `replay ${options.table} [{bar}] {percentage}% | {value}/{total} raw rows | chunk {chunk}/{chunks} | ETA {eta_formatted}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        const started = performance.now();
        const onPlan = (plan: ReplayPlan): void => {
          const ddl =
            plan.ddl.length === 0
              ? ''
              : plan.ddl.some((s) => s.startsWith('CREATE TABLE'))
                ? `; creating ${odsDatabase}.${plan.table}`
                : `; adding ${plan.ddl.length} column change(s) to ${odsDatabase}.${plan.table}`;
          process.stdout.write(
            `replay ${plan.table}: ${rawDatabase}.${plan.table} holds ${plan.rawRows} change row(s) ` +
              `in ${plan.chunks.length} chunk(s); key ${plan.route.primaryKey?.join(', ') ?? ''}${ddl}\n`,
          );
          bar.start(plan.rawRows, 0, { chunk: 0, chunks: plan.chunks.length });
        };
        try {
          const result = await withOperatorContext(cfg, ({ pool }) =>
            replayTable(pool, cfg, options.table, {
              chunkRows: options.chunkRows,
              onPlan,
              onProgress: (p) => bar.update(p.rowsDone, { chunk: p.chunk, chunks: p.chunks }),
            }),
          );
          bar.stop();
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          process.stdout.write(
            `merged ${result.rawRows} raw row(s) into ${odsDatabase}.${options.table} in ` +
              `${result.chunks} chunk(s): ${result.rowsMerged} ODS row(s) inserted, updated or ` +
              `tombstoned, in ${seconds} s\n`,
          );
        } catch (error) {
          bar.stop();
          if (error instanceof ReplayError) throw new OperatorError(error.message);
          throw error;
        }
      }),
    );
}
