// `latency`: per file, PUT → ODS commit for the service and, side by side in the same run, for
// the guide's design on its one-minute schedule.
import type { BenchContext, RunOutcome, TargetCheck } from '../harness/context.js';
import { resourceFigures, round } from '../harness/measured-service.js';
import { ratio, summarize, type Summary } from '../harness/stats.js';
import { fixed, seconds, summaryInSeconds, table, targetsSection } from '../report/format.js';
import { runStream, type StreamParams, type StreamRun } from './stream-run.js';

export const LATENCY_DEFAULTS: StreamParams = {
  tables: 5,
  seconds: 180,
  fileIntervalMs: 1_000,
  minRows: 100,
  maxRows: 1_000,
  updateFraction: 0.3,
  deleteFraction: 0.1,
  seed: 7,
  guide: true,
  guideIntervalMs: 60_000,
  maxWaitMs: 50,
  drainSeconds: 150,
};

const defined = (values: readonly (number | undefined)[]): number[] =>
  values.filter((v): v is number => v !== undefined && Number.isFinite(v));

export function batchFigures(run: StreamRun): Record<string, unknown> {
  return {
    count: run.batches.length,
    filesPerBatch: summarize(run.batches.map((b) => b.files)),
    copyMs: summarize(run.batches.map((b) => b.copyMs)),
    mergeMs: summarize(run.batches.map((b) => b.mergeMs)),
    totalMs: summarize(run.batches.map((b) => b.totalMs)),
  };
}

export async function latencyBench(ctx: BenchContext, p: StreamParams): Promise<RunOutcome> {
  const run = await runStream(ctx, p);
  const service = summarize(defined(run.files.map((f) => f.serviceMs)));
  // What is not the engine's COPY and MERGE of the file's own batch: SQS delivery, batching,
  // the service's other statements, and waiting for the table's earlier batches.
  const added = summarize(
    defined(
      run.files.map((f) =>
        f.serviceMs === undefined || f.engineMs === undefined
          ? undefined
          : f.serviceMs - f.engineMs,
      ),
    ),
  );
  const guide = summarize(defined(run.files.map((f) => f.guideMs)));
  const quiet = summarize(
    defined(run.files.filter((f) => !f.duringGuideRun).map((f) => f.serviceMs)),
  );
  const ratios = {
    p50: ratio(guide.p50, service.p50),
    p95: ratio(guide.p95, service.p95),
    p99: ratio(guide.p99, service.p99),
  };
  // The added latency in two parts: before the file's transaction began, and the transaction's
  // statements besides COPY and MERGE (look-up excluded: it runs before BEGIN).
  const beforeTransaction = summarize(defined(run.files.map((f) => f.beforeTransactionMs)));
  const otherStatements = summarize(run.batches.map((b) => b.totalMs - b.copyMs - b.mergeMs));
  const resources = resourceFigures(run.resources, run.heap);
  const targets: TargetCheck[] = [
    check('latency added by the service, p50', '≤ 1 s', added.p50, 1_000),
    check('latency added by the service, p99', '≤ 3 s', added.p99, 3_000),
    {
      name: 'service peak RSS',
      target: '≤ 200 MB',
      value: `${resources.peakRssMB} MB`,
      met: (resources.peakRssMB ?? Infinity) <= 200,
    },
  ];
  const missing = {
    service: run.files.filter((f) => f.serviceMs === undefined).length,
    guide: p.guide ? run.files.filter((f) => f.guideMs === undefined).length : 0,
  };
  const figures = {
    files: run.files.length,
    changeRows: run.totalRows,
    latencySeconds: {
      service: summaryInSeconds(service),
      serviceAddedToEngine: summaryInSeconds(added),
      serviceBeforeTransaction: summaryInSeconds(beforeTransaction),
      guide: p.guide ? summaryInSeconds(guide) : null,
      serviceOutsideGuideRuns: p.guide ? summaryInSeconds(quiet) : null,
    },
    guideOverService: p.guide ? ratios : null,
    notCommitted: missing,
    commitTimeFrom: run.commitSource,
    serviceBatches: batchFigures(run),
    guideTaskRuns: run.guideTicks.map((t) => ({
      copyMs: t.copyMs,
      mergeMs: t.mergeMs,
      files: t.filesLoaded,
      errors: t.errors,
    })),
    putMs: summarize(defined(run.files.map((f) => f.putMs))),
    putLateMsMax: Math.max(0, ...run.files.map((f) => f.lateMs)),
    serviceStartMs: run.serviceReadyMs,
    resources,
    serviceProblemCounts: run.problemCounts,
    serviceProblems: run.problems,
  };
  const rows: string[][] = [
    latencyRow('service', service),
    latencyRow('service, less its batch’s COPY + MERGE (added by the service)', added),
    ...(p.guide
      ? [
          latencyRow('guide (1-minute Tasks)', guide),
          latencyRow('service, files put outside guide runs', quiet),
          [
            'guide ÷ service',
            '',
            fixed(ratios.p50, 1) + '×',
            fixed(ratios.p95, 1) + '×',
            fixed(ratios.p99, 1) + '×',
            '',
          ],
        ]
      : []),
  ];
  const b = figures.serviceBatches as {
    count: number;
    filesPerBatch: Summary;
    copyMs: Summary;
    mergeMs: Summary;
    totalMs: Summary;
  };
  const markdown = [
    `${run.files.length} files (${p.tables} tables, one every ${p.fileIntervalMs} ms each, ` +
      `${p.minRows}–${p.maxRows} rows, ${p.updateFraction * 100} % updates, ${p.deleteFraction * 100} % deletes), ` +
      `${run.totalRows} change rows over ${p.seconds} s.`,
    '',
    '### PUT → ODS commit, seconds',
    '',
    table(['design', 'files', 'p50', 'p95', 'p99', 'max'], rows),
    '',
    `Commit time of the service: ${run.commitSource}. Not committed at the end: service ${missing.service}` +
      (p.guide ? `, guide ${missing.guide}` : '') +
      '.',
    '',
    '### Service batches (from its batch log lines), ms',
    '',
    table(
      ['', 'p50', 'p95', 'max'],
      [
        [
          'files per batch',
          fixed(b.filesPerBatch.p50, 0),
          fixed(b.filesPerBatch.p95, 0),
          fixed(b.filesPerBatch.max, 0),
        ],
        ['COPY', fixed(b.copyMs.p50, 0), fixed(b.copyMs.p95, 0), fixed(b.copyMs.max, 0)],
        ['MERGE', fixed(b.mergeMs.p50, 0), fixed(b.mergeMs.p95, 0), fixed(b.mergeMs.max, 0)],
        [
          'whole transaction',
          fixed(b.totalMs.p50, 0),
          fixed(b.totalMs.p95, 0),
          fixed(b.totalMs.max, 0),
        ],
        [
          'transaction besides COPY and MERGE',
          fixed(otherStatements.p50, 0),
          fixed(otherStatements.p95, 0),
          fixed(otherStatements.max, 0),
        ],
        [
          'PUT → start of the file’s transaction',
          fixed(beforeTransaction.p50, 0),
          fixed(beforeTransaction.p95, 0),
          fixed(beforeTransaction.max, 0),
        ],
      ],
    ),
    '',
    `${b.count} batches. Service: peak RSS ${resources.peakRssMB} MB, CPU ${resources.cpuSeconds} s ` +
      `over ${resources.wallSeconds} s (${round((resources.cpuCores ?? 0) * 100, 1)} % of a core).`,
    '',
    targetsSection(targets),
  ].join('\n');
  return {
    params: { ...p },
    figures,
    targets,
    converged: run.converged,
    notes: p.guide
      ? [
          'Both designs run at once against the one engine; the guide reads its own copy of every file (put at the same moment), so neither sees the other’s files.',
          'Streams are not available on open-source Databend: the guide’s MERGE reads raw rows loaded after a watermark on a load-time column, which is what an APPEND_ONLY stream yields.',
        ]
      : [],
    markdown,
    chart: latencyChart(run, p.guide),
  };
}

function check(name: string, target: string, ms: number, limitMs: number): TargetCheck {
  return {
    name,
    target,
    value: `${seconds(ms)} s`,
    met: Number.isFinite(ms) ? ms <= limitMs : null,
  };
}

function latencyRow(label: string, s: Summary): string[] {
  return [label, String(s.count), seconds(s.p50), seconds(s.p95), seconds(s.p99), seconds(s.max)];
}

/** The share of files committed within x seconds, per design (x on a log scale). */
function latencyChart(run: StreamRun, guide: boolean): Record<string, unknown> {
  const values = [
    ...defined(run.files.map((f) => f.serviceMs)).map((ms) => ({
      design: 'service',
      s: ms / 1000,
    })),
    ...(guide
      ? defined(run.files.map((f) => f.guideMs)).map((ms) => ({
          design: 'guide (1-minute Tasks)',
          s: ms / 1000,
        }))
      : []),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'PUT → ODS commit: share of files committed within x seconds',
    width: 640,
    height: 320,
    data: { values },
    transform: [
      { window: [{ op: 'cume_dist', as: 'share' }], sort: [{ field: 's' }], groupby: ['design'] },
    ],
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 's', type: 'quantitative', scale: { type: 'log' }, title: 'seconds (log scale)' },
      y: { field: 'share', type: 'quantitative', axis: { format: '%' }, title: 'files committed' },
      color: { field: 'design', type: 'nominal', legend: { labelLimit: 400 } },
    },
  };
}
