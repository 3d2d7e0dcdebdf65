/**
 * `backfill`: list the bucket, skip what the ledger has, and load the rest through the pipeline's
 * own entry point (Pipeline.submit → per-table queue → batch transaction) with no SQS consumer,
 * so a backfill loads exactly as events do. Each table's files are handed over in DMS order:
 * full-load files, then CDC files by name. It is one more process writing the tables, and
 * Databend lets two processes' transactions that load the same new file both commit, so it is
 * meant to run while the service is stopped (docs/completeness.md).
 *
 * stdout carries the result (the dry run's file list, the summary); stderr the progress bar (on
 * a terminal; cli-progress, as `replay` uses) and warnings (log level `warn` unless `debug` or
 * `trace` is configured).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import cliProgress from 'cli-progress';
import { pino } from 'pino';
import { s3Client } from '../clients.js';
import type { Config } from '../config.js';
import { writerName } from '../control/writer-name.js';
import { SessionPool } from '../databend/session-pool.js';
import { PipelineEvents } from '../events.js';
import { planBackfill, type BackfillPlan, type TablePlan } from '../ingest/backfill-plan.js';
import { BucketLister } from '../ingest/bucket-lister.js';
import { retry, type FileResult } from '../ingest/file-outcome.js';
import { DatabendLedgerReader } from '../control/ledger-reader.js';
import type { Pipeline } from '../ingest/pipeline.js';
import { createLogger, logPipelineEvents } from '../logger.js';
import { pipelineParts } from './replication-loop.js';
import { BackfillUsageError, parseSince } from './since.js';
import { prepareDatabend } from '../control/prepare.js';

export interface BackfillOptions {
  readonly prefix?: string | undefined;
  readonly table?: string | undefined;
  /** ISO-8601 time, or an age: `90m`, `12h`, `7d`. */
  readonly since?: string | undefined;
  readonly dryRun?: boolean | undefined;
}

export interface BackfillIo {
  /** One line of the result (stdout). */
  readonly out: (line: string) => void;
  /** Progress and logs (stderr). */
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  /** Observes the pipeline (tests). */
  readonly events?: PipelineEvents;
  readonly now?: () => number;
  /** The S3 client to use instead of one built from the config; the caller closes it. */
  readonly clients?: { readonly s3: S3Client };
}

function processIo(): BackfillIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: process.stderr,
  };
}

/**
 * Runs the command; resolves with the exit code: 0 everything loaded (or listed, in a dry run),
 * 1 some file did not load, 2 a bad option.
 */
export async function runBackfill(
  config: Config,
  options: BackfillOptions,
  io: BackfillIo = processIo(),
): Promise<number> {
  const now = io.now ?? Date.now;
  let since: Date | undefined;
  try {
    since = options.since === undefined ? undefined : parseSince(options.since, now());
  } catch (error) {
    if (!(error instanceof BackfillUsageError)) throw error;
    io.err.write(`${error.message}\n`);
    return 2;
  }
  const level =
    config.log.level === 'debug' || config.log.level === 'trace' ? config.log.level : 'warn';
  const logger = createLogger({
    level,
    destination: io.err === process.stderr ? pino.destination({ dest: 2, sync: true }) : io.err,
  });
  const events = io.events ?? new PipelineEvents();
  const s3 = io.clients?.s3 ?? s3Client(config);
  const pool = new SessionPool(config.databend.dsn, {
    statementTimeoutMs: config.databend.statementTimeoutMs,
  });
  try {
    const plan = await planBackfill(
      {
        config,
        lister: new BucketLister(s3, config.s3.bucket),
        ledger: new DatabendLedgerReader(pool, config),
      },
      { prefix: options.prefix, table: options.table, since },
    );
    if (options.dryRun === true) {
      printDryRun(plan, io.out);
      return 0;
    }
    await prepareDatabend(pool, config);
    // No SQS side: files go in through Pipeline.submit only.
    // Its batches claim their tables like the service's: safe beside a running service.
    const backfillWriter = { owner: writerName('backfill') };
    const { pipeline } = pipelineParts({
      config,
      logger,
      events,
      pool,
      s3,
      writer: () => backfillWriter,
    });
    await pipeline.syncTableState();
    const paused = new Set(pipeline.pausedTables().keys());
    const undo = logPipelineEvents(events, logger);
    try {
      const started = now();
      const results = await load(plan, paused, pipeline, events, io.err);
      return printSummary(plan, results, paused, now() - started, io.out);
    } finally {
      undo();
      pipeline.stop();
    }
  } finally {
    await pool.close();
    if (io.clients === undefined) s3.destroy();
  }
}

interface TableResult {
  loaded: number;
  rows: number;
  failed: { key: string; result: FileResult }[];
}

async function load(
  plan: BackfillPlan,
  paused: ReadonlySet<string>,
  pipeline: Pipeline,
  events: PipelineEvents,
  stream: NodeJS.WritableStream,
): Promise<Map<string, TableResult>> {
  const todo = plan.tables.filter((t) => !paused.has(t.table));
  // Drawn on a terminal only (cli-progress), so piped output stays the summary alone.
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'backfill [{bar}] {percentage}% | {value}/{total} files | {rows} rows | {failed} failed | ETA {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let rows = 0;
  let failed = 0;
  bar.start(
    todo.reduce((n, t) => n + t.files.length, 0),
    0,
    { rows: '0', failed },
  );
  // A table paused by a bad file keeps its other files waiting; they end as not loaded.
  const pausedNow = new Map<string, (result: FileResult) => void>();
  const pauses = new Map(
    todo.map((t) => [
      t.table,
      new Promise<FileResult>((resolve) => pausedNow.set(t.table, resolve)),
    ]),
  );
  // The file that paused the table resolves with its own outcome right after this event (in
  // the same turn of the event loop), so the waiting files are released one turn later.
  const undo = events.on('table:paused', (e) => {
    const release = pausedNow.get(e.table);
    if (release !== undefined)
      setImmediate(() => release(retry(`the table was paused: ${e.reason}`)));
  });
  const results = new Map<string, TableResult>();
  const settling: Promise<void>[] = [];
  for (const table of todo) {
    const result: TableResult = { loaded: 0, rows: 0, failed: [] };
    results.set(table.table, result);
    const paused = pauses.get(table.table) ?? new Promise<never>(() => undefined);
    for (const file of table.files) {
      settling.push(
        Promise.race([pipeline.submit(file.ref), paused]).then((outcome) => {
          const ok = outcome.kind === 'done' || outcome.kind === 'ignored';
          if (outcome.kind === 'done') {
            result.loaded += 1;
            result.rows += outcome.rows;
          } else if (!ok) result.failed.push({ key: file.ref.key, result: outcome });
          rows += outcome.kind === 'done' ? outcome.rows : 0;
          failed += ok ? 0 : 1;
          bar.increment(1, { rows: rows.toLocaleString('en-US'), failed });
        }),
      );
    }
  }
  try {
    await Promise.all(settling);
  } finally {
    undo();
    bar.stop();
  }
  return results;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const fileCount = (t: TablePlan): number => t.files.length;
const tableBytes = (t: TablePlan): number => t.files.reduce((n, f) => n + f.ref.size, 0);

/** One heading per table, then its keys, two spaces in, in the order they would load. */
function printDryRun(plan: BackfillPlan, out: (line: string) => void): void {
  const pending = plan.tables.filter((t) => t.files.length > 0);
  const files = pending.reduce((n, t) => n + fileCount(t), 0);
  const size = pending.reduce((n, t) => n + tableBytes(t), 0);
  const already = plan.tables.reduce((n, t) => n + t.alreadyLoaded, 0);
  out(
    `would load ${files} file(s), ${bytes(size)}, into ${pending.length} table(s) ` +
      `(${already} already loaded, ${plan.outsideLayout} outside the DMS layout; ` +
      `${plan.listed} listed in ${plan.listRequests} request(s))`,
  );
  for (const table of pending) {
    out(
      `${table.table} (${table.sources.join(', ')}): ${fileCount(table)} file(s), ${bytes(tableBytes(table))}`,
    );
    for (const file of table.files) out(`  ${file.ref.key}`);
  }
}

function printSummary(
  plan: BackfillPlan,
  results: ReadonlyMap<string, TableResult>,
  paused: ReadonlySet<string>,
  elapsedMs: number,
  out: (line: string) => void,
): number {
  const header = ['table', 'files', 'rows', 'already', 'failed'];
  const lines: string[][] = [];
  let failed = 0;
  let total = { files: 0, rows: 0, already: 0 };
  for (const table of plan.tables) {
    const r = results.get(table.table);
    const notLoaded = paused.has(table.table) ? table.files.length : (r?.failed.length ?? 0);
    failed += notLoaded;
    total = {
      files: total.files + (r?.loaded ?? 0),
      rows: total.rows + (r?.rows ?? 0),
      already: total.already + table.alreadyLoaded,
    };
    lines.push([
      paused.has(table.table) ? `${table.table} (paused)` : table.table,
      String(r?.loaded ?? 0),
      (r?.rows ?? 0).toLocaleString('en-US'),
      String(table.alreadyLoaded),
      String(notLoaded),
    ]);
  }
  lines.push([
    'total',
    String(total.files),
    total.rows.toLocaleString('en-US'),
    String(total.already),
    String(failed),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  out(
    `loaded ${total.files} file(s), ${total.rows.toLocaleString('en-US')} row(s) in ` +
      `${(elapsedMs / 1000).toFixed(1)} s; ${failed} not loaded`,
  );
  out(row(header));
  for (const line of lines) out(row(line));
  for (const table of plan.tables) {
    for (const f of results.get(table.table)?.failed ?? [])
      out(`not loaded: ${f.key}: ${f.result.kind}: ${f.result.reason}`);
    if (paused.has(table.table))
      out(`not loaded: ${table.files.length} file(s) of ${table.table}: the table is paused`);
  }
  return failed > 0 ? 1 : 0;
}
