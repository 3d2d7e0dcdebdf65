/**
 * `pause --table T` and `resume --table T`: write the table's state to `<control>.table_state`.
 * A service starting later reads it; a running service polls it and follows within about
 * 10 seconds. A pause does not interrupt a batch already loading; files that arrive while the
 * table is paused wait in the queue (or go to the dead-letter queue after maxReceiveCount, from
 * where the sweep or `backfill` picks them up after the resume).
 */
import { Command } from 'commander';
import type { Config } from '../config.js';
import type { SqlSession } from '../databend/session-pool.js';
import { hostname } from 'node:os';
import { migrateControlTables } from '../control/migrate.js';
import { setTablePausedSql } from '../control/ledger-sql.js';
import { tableHasFilesSql, tableStatesFromRows, tableStatesSql } from '../control/status-sql.js';
import { operatorAction, withOperatorContext } from './operator-context.js';

interface TableOption {
  readonly table: string;
}

export function pauseCommand(config: () => Config): Command {
  return new Command('pause')
    .description('pause loading a table (a running service follows within about 10 s)')
    .requiredOption('--table <table>', 'the Databend table name, as `status` lists it')
    .option('--reason <text>', 'why, shown by `status`', 'paused by an operator')
    .action(
      operatorAction('pause', async (options: TableOption & { reason: string }) => {
        const message = await setPaused(config(), options.table, true, options.reason);
        process.stdout.write(`${message}\n`);
      }),
    );
}

export function resumeCommand(config: () => Config): Command {
  return new Command('resume')
    .description('resume loading a paused table (a running service follows within about 10 s)')
    .requiredOption('--table <table>', 'the Databend table name, as `status` lists it')
    .action(
      operatorAction('resume', async (options: TableOption) => {
        const message = await setPaused(config(), options.table, false, undefined);
        process.stdout.write(`${message}\n`);
      }),
    );
}

/** Writes the state (DELETE + INSERT in one transaction); returns the line to print. */
export async function setPaused(
  config: Config,
  table: string,
  paused: boolean,
  reason: string | undefined,
): Promise<string> {
  const control = config.databend.controlDatabase;
  return withOperatorContext(config, ({ pool }) =>
    pool.with(async (session) => {
      // DDL commits an open transaction, so the tables are made sure of before BEGIN.
      await migrateControlTables(session, control, { holder: `${hostname()}:${process.pid}` });
      const states = tableStatesFromRows(await session.query(tableStatesSql(control)));
      const current = states.find((state) => state.table === table);
      if (!paused && current?.paused !== true) return `${table} is not paused; nothing to do`;
      await session.exec('BEGIN');
      try {
        for (const sql of setTablePausedSql(control, table, paused, reason))
          await session.exec(sql);
        await session.exec('COMMIT');
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
      const note = (await hasLoadedFiles(session, control, table))
        ? ''
        : ` (no file of ${table} is in the ledger yet: is the name right? \`status\` lists the tables)`;
      return paused
        ? `paused ${table}: ${reason ?? ''}; a running service stops loading it within about 10 s${note}`
        : `resumed ${table}; a running service loads it again within about 10 s`;
    }),
  );
}

async function hasLoadedFiles(
  session: SqlSession,
  control: string,
  table: string,
): Promise<boolean> {
  return (await session.query(tableHasFilesSql(control, table))).length > 0;
}
