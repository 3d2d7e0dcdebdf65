// `aged`: the same steady CDC stream on fresh tables and on an aged deployment's (a ledger of
// months of files over hundreds of tables, raw with weeks of rows, an ODS table of tens of
// millions), in one invocation; per-batch statement times and PUT → commit for both. The aged
// tables are built once in the engine and reused (bench/aged/).
import { loadavg } from 'node:os';
import type { BenchContext, RunOutcome, TargetCheck } from '../harness/context.js';
import { resourceFigures } from '../harness/measured-service.js';
import { ratio, summarize, type Summary } from '../harness/stats.js';
import { fixed, seconds, summaryInSeconds, table, targetsSection } from '../report/format.js';
import {
  agedNames,
  columnsOf,
  ensureAgedTables,
  forgetEarlierStreams,
  greatestKey,
  smallOdsTable,
} from '../aged/aged-data.js';
import { agedTarget } from '../aged/aged-target.js';
import { probeStatements, type ProbeFigures } from '../aged/probes.js';
import { CdcStream } from '../workload/cdc-stream.js';
import { BENCH_SCHEMA, benchTables } from '../workload/tables.js';
import { writeStream } from '../workload/write-files.js';
import { runStream, type StreamParams, type StreamRun } from './stream-run.js';

export const AGED_DEFAULTS = {
  tables: 1,
  seconds: 120,
  fileIntervalMs: 1_000,
  minRows: 100,
  maxRows: 1_000,
  updateFraction: 0.3,
  deleteFraction: 0.1,
  seed: 7,
  maxWaitMs: 50,
  drainSeconds: 120,
  ledgerRows: 20_000_000,
  ledgerTables: 200,
  smallLedgerRows: 100_000,
  rawDays: 15,
  rawRows: 5_000_000,
  odsRows: 20_000_000,
  smallOdsRows: 1_000_000,
  /** Repetitions of each directly timed statement. */
  probes: 5,
  /**
   * Repetitions of the MERGE of 1,000 keys spread over the table: it rewrites most blocks of the
   * table (minutes at 20 M rows on a busy machine), so it is off by default.
   */
  spreadProbes: 0,
  /** Build the aged tables again even when a build of these sizes exists. */
  rebuild: false,
  /** Databases `<name>_raw`, `_ods`, `_control`, `_small_control` and bucket `<name>` (dashes). */
  agedName: 'bench_aged',
};

export type AgedParams = typeof AGED_DEFAULTS;

const defined = (values: readonly (number | undefined)[]): number[] =>
  values.filter((v): v is number => v !== undefined && Number.isFinite(v));

interface Phase {
  readonly run: StreamRun;
  readonly loadAverage: { readonly atStart: number[]; readonly atEnd: number[] };
}

function load(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

function perBatch(run: StreamRun): Record<string, Summary> {
  return {
    lookupMs: summarize(defined(run.batches.map((b) => b.lookupMs))),
    copyMs: summarize(run.batches.map((b) => b.copyMs)),
    mergeMs: summarize(run.batches.map((b) => b.mergeMs)),
    restMs: summarize(run.batches.map((b) => b.totalMs - b.copyMs - b.mergeMs)),
    totalMs: summarize(run.batches.map((b) => b.totalMs)),
    filesPerBatch: summarize(run.batches.map((b) => b.files)),
  };
}

export async function agedBench(ctx: BenchContext, p: AgedParams): Promise<RunOutcome> {
  const tables = benchTables(p.tables);
  const stream: StreamParams = {
    tables: p.tables,
    seconds: p.seconds,
    fileIntervalMs: p.fileIntervalMs,
    minRows: p.minRows,
    maxRows: p.maxRows,
    updateFraction: p.updateFraction,
    deleteFraction: p.deleteFraction,
    seed: p.seed,
    guide: false,
    guideIntervalMs: 60_000,
    maxWaitMs: p.maxWaitMs,
    drainSeconds: p.drainSeconds,
  };

  // The aged tables: created by the service's schema code from one sample file per table.
  const names = agedNames(p.agedName);
  const aged = await agedTarget(ctx.stack, ctx.s3, tables, p.maxWaitMs, names);
  const sample = new CdcStream({
    seed: p.seed,
    tables,
    filesPerTable: 1,
    minRowsPerFile: 1,
    maxRowsPerFile: 1,
    updateFraction: 0,
    deleteFraction: 0,
    firstFileAtMs: Date.now(),
    fileIntervalMs: 1_000,
  });
  const sampleFiles = await writeStream(sample.files(), sample.settings);
  const buildStarted = Date.now();
  const buildLoad = load();
  let buildSeconds: Record<string, number>;
  try {
    buildSeconds = await ensureAgedTables(
      ctx.conn,
      aged.config,
      sampleFiles.files,
      p,
      p.rebuild,
      ctx.log,
    );
  } finally {
    await sampleFiles.remove();
  }
  const build = {
    seconds: buildSeconds,
    wallSeconds: (Date.now() - buildStarted) / 1000,
    loadAverage: { atStart: buildLoad, atEnd: load() },
  };

  await forgetEarlierStreams(
    ctx.conn,
    aged.config,
    tables.map((t) => t.name),
    p.odsRows,
  );

  const first = tables[0];
  if (first === undefined) throw new Error('aged: at least one table');
  const { rawDatabase, odsDatabase } = aged.config.databend;
  const rawColumns = await columnsOf(ctx.conn, rawDatabase, first.name);
  const odsColumns = await columnsOf(ctx.conn, odsDatabase, first.name);
  ctx.log(`timing single statements (${p.probes} times each)…`);
  const probeLoad = load();
  const [small, agedProbe] = await probeStatements(
    {
      conn: ctx.conn,
      config: aged.config,
      table: first.name,
      schema: BENCH_SCHEMA,
      rawColumns,
      odsColumns,
      log: ctx.log,
    },
    [
      {
        label: smallOdsTable(first.name),
        controlDatabase: names.smallControlDatabase,
        odsTable: smallOdsTable(first.name),
        odsRows: p.smallOdsRows,
      },
      {
        label: first.name,
        controlDatabase: names.controlDatabase,
        odsTable: first.name,
        odsRows: p.odsRows,
      },
    ],
    p.probes,
    p.spreadProbes,
  );
  if (small === undefined || agedProbe === undefined) throw new Error('aged: probes missing');
  const probes = { small, aged: agedProbe, loadAverage: { atStart: probeLoad, atEnd: load() } };

  ctx.log('fresh tables: streaming…');
  const freshLoad = load();
  const freshRun = await runStream(ctx, stream);
  const fresh: Phase = { run: freshRun, loadAverage: { atStart: freshLoad, atEnd: load() } };

  ctx.log('aged tables: streaming…');
  const firstKey =
    Math.max(
      ...(await Promise.all(
        tables.map((t) => greatestKey(ctx.conn, odsDatabase, t.name, 'order_id')),
      )),
    ) + 1;
  const agedLoad = load();
  const agedRun = await runStream(ctx, stream, { target: aged, firstKey });
  const old: Phase = { run: agedRun, loadAverage: { atStart: agedLoad, atEnd: load() } };

  const latency = (phase: Phase): Summary =>
    summarize(defined(phase.run.files.map((f) => f.serviceMs)));
  const freshLatency = latency(fresh);
  const agedLatency = latency(old);
  const agedOverFresh = ratio(agedLatency.p50, freshLatency.p50);
  const freshBatches = perBatch(fresh.run);
  const agedBatches = perBatch(old.run);
  const mergeRatio = ratio(probes.aged.mergeNewestMs, probes.small.mergeNewestMs);
  const targets: TargetCheck[] = [
    {
      name: 'PUT → commit p50, aged ÷ fresh (agedOverFresh)',
      target: '≤ 1.3',
      value: fixed(agedOverFresh, 2),
      met: agedOverFresh === null ? null : agedOverFresh <= 1.3,
    },
    {
      name: `ledger look-up per batch at ${(p.ledgerRows / 1e6).toFixed(0)} M ledger rows, p50 in the stream`,
      target: '≤ 50 ms',
      value: `${fixed(agedBatches.lookupMs?.p50, 0)} ms`,
      met: Number.isFinite(agedBatches.lookupMs?.p50)
        ? (agedBatches.lookupMs?.p50 ?? 0) <= 50
        : null,
    },
    {
      name: `1,000-row MERGE (newest keys) into ${(p.odsRows / 1e6).toFixed(0)} M ÷ into ${(p.smallOdsRows / 1e6).toFixed(0)} M ODS rows`,
      target: '≤ 1.5',
      value: fixed(mergeRatio, 2),
      met: mergeRatio === null ? null : mergeRatio <= 1.5,
    },
  ];
  const phaseFigures = (
    phase: Phase,
    batches: Record<string, Summary>,
  ): Record<string, unknown> => ({
    files: phase.run.files.length,
    changeRows: phase.run.totalRows,
    putToCommitSeconds: summaryInSeconds(latency(phase)),
    batchesMs: batches,
    batches: phase.run.batches.length,
    notCommitted: phase.run.files.filter((f) => f.serviceMs === undefined).length,
    resources: resourceFigures(phase.run.resources, phase.run.heap),
    problemCounts: phase.run.problemCounts,
    loadAverage: phase.loadAverage,
  });
  const figures = {
    agedOverFresh,
    fresh: phaseFigures(fresh, freshBatches),
    aged: phaseFigures(old, agedBatches),
    perStatementAgedOverFresh: Object.fromEntries(
      Object.keys(agedBatches).map((k) => [
        k,
        ratio(agedBatches[k]?.p50 ?? Number.NaN, freshBatches[k]?.p50 ?? Number.NaN),
      ]),
    ),
    statements: probes,
    mergeLargeOverSmall: mergeRatio,
    build,
  };
  const batchRow = (label: string, key: string): string[] => [
    label,
    fixed(freshBatches[key]?.p50, 0),
    fixed(freshBatches[key]?.p99, 0),
    fixed(agedBatches[key]?.p50, 0),
    fixed(agedBatches[key]?.p99, 0),
    fixed(ratio(agedBatches[key]?.p50 ?? Number.NaN, freshBatches[key]?.p50 ?? Number.NaN), 2),
  ];
  const probeRow = (label: string, key: Exclude<keyof ProbeFigures, 'samples'>): string[] => [
    label,
    fixed(probes.small[key], 0),
    fixed(probes.aged[key], 0),
    fixed(ratio(probes.aged[key], probes.small[key]), 2),
  ];
  const markdown = [
    `The same stream twice: ${p.tables} table(s), a file every ${p.fileIntervalMs} ms each, ` +
      `${p.minRows}–${p.maxRows} rows, ${p.updateFraction * 100} % updates, ${p.deleteFraction * 100} % deletes, ` +
      `${p.seconds} s; first on fresh tables, then on the aged deployment: a ledger of ` +
      `${p.ledgerRows.toLocaleString('en')} files over ${p.ledgerTables} tables, raw with ` +
      `${p.rawRows.toLocaleString('en')} rows over ${p.rawDays} days, ODS of ${p.odsRows.toLocaleString('en')} rows.`,
    '',
    '### PUT → ODS commit, seconds',
    '',
    table(
      ['tables', 'files', 'p50', 'p95', 'p99', 'load average at start'],
      [
        ['fresh', ...latencyCells(freshLatency), fresh.loadAverage.atStart.join(' ')],
        ['aged', ...latencyCells(agedLatency), old.loadAverage.atStart.join(' ')],
        [
          'aged ÷ fresh',
          '',
          fixed(agedOverFresh, 2),
          fixed(ratio(agedLatency.p95, freshLatency.p95), 2),
          fixed(ratio(agedLatency.p99, freshLatency.p99), 2),
          '',
        ],
      ],
    ),
    '',
    '### Per batch, ms (from the service’s batch log lines)',
    '',
    table(
      ['statement', 'fresh p50', 'fresh p99', 'aged p50', 'aged p99', 'aged ÷ fresh (p50)'],
      [
        batchRow('ledger look-up (the fencing step’s check)', 'lookupMs'),
        batchRow('COPY (with BEGIN and the fencing step, look-up included)', 'copyMs'),
        batchRow('MERGE', 'mergeMs'),
        batchRow('the rest (Op summary, ledger INSERT, COMMIT)', 'restMs'),
        batchRow('transaction', 'totalMs'),
        batchRow('files per batch', 'filesPerBatch'),
      ],
    ),
    '',
    `### Single statements, median of ${p.probes}, ms`,
    '',
    table(
      ['statement', 'small', 'aged', 'aged ÷ small'],
      [
        probeRow(
          `ledger look-up, 1 key (${(p.smallLedgerRows / 1e6).toFixed(1)} M vs ${(p.ledgerRows / 1e6).toFixed(0)} M rows)`,
          'lookup1Ms',
        ),
        probeRow('ledger look-up, 50 keys', 'lookup50Ms'),
        probeRow('Op summary of a 1,000-row batch (raw of 15 days)', 'summaryMs'),
        probeRow(
          `MERGE 1,000 updates of the newest keys (${(p.smallOdsRows / 1e6).toFixed(0)} M vs ${(p.odsRows / 1e6).toFixed(0)} M rows)`,
          'mergeNewestMs',
        ),
        probeRow(
          'MERGE 1,000 updates of the oldest keys (a full first block in both)',
          'mergeOldestMs',
        ),
        probeRow('MERGE 1,000 updates of keys spread over the table', 'mergeSpreadMs'),
      ],
    ),
    '',
    `Load average while timing: ${probes.loadAverage.atStart.join(' ')} → ${probes.loadAverage.atEnd.join(' ')}. ` +
      `Aged tables: ${Object.entries(build.seconds)
        .map(([part, s]) => `${part} ${s === 0 ? 'reused' : `built in ${s.toFixed(0)} s`}`)
        .join(', ')}.`,
    '',
    targetsSection(targets),
  ].join('\n');
  return {
    params: { ...p },
    figures,
    targets,
    converged: {
      fresh: fresh.run.converged.service ?? false,
      aged: old.run.converged.service ?? false,
    },
    notes: [
      'The aged tables are built once in the engine (INSERT … SELECT … FROM numbers) and reused; `--rebuild true` builds them again. Each run first deletes the rows earlier runs’ streams left in them (keys above the built ones).',
      'The probes’ MERGEs commit updates of existing keys (the tables keep their rows); their raw rows are deleted afterwards. MERGEs into the small and the large table alternate.',
    ],
    markdown,
    headline: { agedOverFresh },
    chart: latencyChart({ fresh: fresh.run, aged: old.run }),
  };
}

function latencyCells(s: Summary): string[] {
  return [String(s.count), seconds(s.p50), seconds(s.p95), seconds(s.p99)];
}

/** The share of files committed within x seconds, fresh and aged (x on a log scale). */
function latencyChart(runs: Readonly<Record<string, StreamRun>>): Record<string, unknown> {
  const values = Object.entries(runs).flatMap(([tables, run]) =>
    defined(run.files.map((f) => f.serviceMs)).map((ms) => ({ tables, s: ms / 1000 })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'PUT → ODS commit on fresh and aged tables: share of files committed within x seconds',
    width: 640,
    height: 320,
    data: { values },
    transform: [
      { window: [{ op: 'cume_dist', as: 'share' }], sort: [{ field: 's' }], groupby: ['tables'] },
    ],
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 's', type: 'quantitative', scale: { type: 'log' }, title: 'seconds (log scale)' },
      y: { field: 'share', type: 'quantitative', axis: { format: '%' }, title: 'files committed' },
      color: { field: 'tables', type: 'nominal' },
    },
  };
}
