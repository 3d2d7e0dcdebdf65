/**
 * `reload --table T`: the table's newest full-load generation as S3 and the ledger show it (its
 * files, leftovers of the previous generation, files not loaded yet, whether a later CDC file
 * says the full load is done). `--complete` declares it complete and applies it as a snapshot,
 * deleting the ODS keys it lacks; with `--dry-run` it lists those keys and changes nothing. For a
 * source that writes no change after its reload, so no CDC file can say the load is done.
 * `--began <time>` opens a generation S3 shows nothing of: a table empty when DMS reloaded it with
 * `TargetTablePrepMode=DO_NOTHING` gets no LOAD file and no folder removal.
 */
import { Command } from 'commander';
import { pino } from 'pino';
import type { Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import { PipelineEvents } from '../events.js';
import { BucketLister } from '../ingest/bucket-lister.js';
import { Reloads } from '../ingest/reloads.js';
import { routeTable } from '../ingest/table-routes.js';
import { openReloadFromRow, openReloadsSql, tableFileKeySql } from '../control/reloads-sql.js';
import { parseKey } from '../files/key-layout.js';
import { OperatorError, operatorAction, withOperatorContext } from './operator-context.js';

interface ReloadOptions {
  readonly table: string;
  readonly complete?: boolean;
  readonly dryRun?: boolean;
  /** ISO-8601: open a generation that began then (a reload S3 shows nothing of). */
  readonly began?: string;
}

export function reloadCommand(config: () => Config): Command {
  return new Command('reload')
    .description(
      "show a table's newest full-load generation; --complete applies it as a snapshot " +
        '(with --dry-run: list the ODS keys it would delete)',
    )
    .requiredOption('--table <table>', 'the Databend table name, as `status` lists it')
    .option('--complete', 'declare the generation complete and delete the ODS keys it lacks')
    .option('--dry-run', 'with --complete: list the keys it would delete, change nothing')
    .option(
      '--began <time>',
      'open a generation that began at this time (ISO-8601), for a reload S3 shows nothing of: ' +
        'a table empty when reloaded with TargetTablePrepMode=DO_NOTHING',
    )
    .action(
      operatorAction('reload', async (options: ReloadOptions) => {
        for (const line of await reloadTable(config(), options)) process.stdout.write(`${line}\n`);
      }),
    );
}

export async function reloadTable(config: Config, options: ReloadOptions): Promise<string[]> {
  return withOperatorContext(config, async ({ pool, s3 }) => {
    const control = config.databend.controlDatabase;
    const reloads = new Reloads({
      config,
      pool,
      lister: new BucketLister(s3, config.s3.bucket),
      events: new PipelineEvents(),
      logger: pino({ level: 'silent' }),
    });
    if (options.began !== undefined)
      await beginDeclared(config, pool, reloads, options.table, options.began);
    const [open] = await pool.with((s) => s.query(openReloadsSql(control, options.table)));
    const source = open === undefined ? undefined : openReloadFromRow(open).source;
    if (source === undefined)
      throw new OperatorError(
        `no reload of ${options.table} has begun (none seen, or the last one is applied)`,
      );
    const dot = source.indexOf('.');
    const route = routeTable(config.tables, source.slice(0, dot), source.slice(dot + 1));
    await reloads.restore();
    const status = await reloads.status(route);
    const lines = [
      `${options.table} (${source}): generation ${status.generation ?? '?'} began ${status.startedAt?.toISOString() ?? '?'}`,
      `  files of the new full load: ${status.members.size} (${status.missing.length} not loaded yet${status.missing.length > 0 ? `: ${status.missing.join(', ')}` : ''})`,
      `  leftovers of the previous full load, not part of it: ${status.leftovers.length === 0 ? 'none' : status.leftovers.join(', ')}`,
      `  a CDC file after it loaded: ${status.cdcAfter ? 'yes' : 'no'}; complete: ${status.complete ? 'yes' : 'no'}`,
    ];
    if (options.complete !== true) return lines;
    if (status.missing.length > 0)
      throw new OperatorError(
        `${status.missing.length} file(s) of the new full load are not loaded yet; load them first (backfill)`,
      );
    if (options.dryRun === true) {
      const keys = await reloads.wouldTombstone(route, status);
      return [
        ...lines,
        `would delete ${keys.length === 50 ? 'at least 50' : keys.length} ODS key(s)${keys.length > 0 ? ':' : ''}`,
        ...keys.map((k) => `  ${k}`),
      ];
    }
    const applied = await reloads.apply(route, status);
    if (applied === undefined)
      throw new OperatorError('the generation has no loaded rows to compare with');
    return [
      ...lines,
      `applied: ${applied.tombstoned} ODS key(s) deleted (as of _seq ${applied.boundary})`,
    ];
  });
}

/** Opens a generation the operator declares; its source is read from a file the ledger holds. */
async function beginDeclared(
  config: Config,
  pool: SessionPool,
  reloads: Reloads,
  table: string,
  began: string,
): Promise<void> {
  const at = new Date(began);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(began) || Number.isNaN(at.getTime()))
    throw new OperatorError(`--began ${began} is not an ISO-8601 time (e.g. 2024-06-12T10:00:00Z)`);
  const [row] = await pool.with((s) =>
    s.query(tableFileKeySql(config.databend.controlDatabase, table)),
  );
  const key = row?.object_key;
  const layout =
    typeof key === 'string' ? parseKey(key, { bucketFolder: config.s3.bucketFolder }) : undefined;
  if (layout?.ok !== true)
    throw new OperatorError(`no file of ${table} has been loaded: nothing to reload`);
  await reloads.restore();
  await reloads.begin(
    routeTable(config.tables, layout.file.schema, layout.file.table),
    at,
    'declared by an operator',
  );
}
