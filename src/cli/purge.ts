/**
 * `purge`: raw retention now, the same as `run` does on its schedule: delete the rows of every
 * raw table loaded more than `retention.rawDays` days ago, printing the rows deleted per table.
 * ODS is untouched. Exit 1 if any table failed (the others are still purged).
 */
import { Command } from 'commander';
import type { Config } from '../config.js';
import { purgeRaw } from '../control/retention.js';
import { operatorAction, withOperatorContext } from './operator-context.js';
import { writerName } from '../control/writer-name.js';

export function purgeCommand(config: () => Config): Command {
  return new Command('purge')
    .description('raw retention now: delete raw rows loaded more than retention.rawDays days ago')
    .action(
      operatorAction('purge', async () => {
        const cfg = config();
        const { rawDatabase } = cfg.databend;
        const { rawDays } = cfg.retention;
        const result = await withOperatorContext(cfg, ({ pool }) =>
          purgeRaw(pool, {
            rawDatabase,
            rawDays,
            // Like a batch, each DELETE claims its table: safe beside a running service.
            writer: { controlDatabase: cfg.databend.controlDatabase, owner: writerName('purge') },
          }),
        );
        const width = Math.max(0, ...result.tables.map((t) => t.table.length));
        for (const t of result.tables) {
          const outcome = t.ok ? `${t.rowsDeleted} row(s) deleted` : `FAILED: ${t.error.message}`;
          process.stdout.write(`${rawDatabase}.${t.table.padEnd(width)}  ${outcome}\n`);
        }
        const failed = result.tables.filter((t) => !t.ok).length;
        process.stdout.write(
          `${result.rowsDeleted} row(s) loaded more than ${rawDays} day(s) ago deleted from ` +
            `${result.tables.length - failed} raw table(s) in ${Math.round(result.durationMs)} ms\n`,
        );
        if (failed > 0) process.exitCode = 1;
      }),
    );
}
