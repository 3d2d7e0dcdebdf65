// `scale`: many tables at once — every table gets a file on its own schedule — and per table, the
// PUT → ODS commit latency, with the service's memory. The service alone (no guide).
import type { BenchContext, RunOutcome, TargetCheck } from '../harness/context.js';
import { resourceFigures } from '../harness/measured-service.js';
import { summarize } from '../harness/stats.js';
import { fixed, seconds, summaryInSeconds, table, targetsSection } from '../report/format.js';
import { batchFigures, LATENCY_DEFAULTS } from './latency.js';
import { runStream, type StreamParams } from './stream-run.js';

export const SCALE_DEFAULTS: StreamParams = {
  ...LATENCY_DEFAULTS,
  tables: 50,
  seconds: 120,
  fileIntervalMs: 20_000,
  guide: false,
  drainSeconds: 300,
};

export async function scaleBench(ctx: BenchContext, p: StreamParams): Promise<RunOutcome> {
  const run = await runStream(ctx, { ...p, guide: false });
  const byTable = new Map<string, number[]>();
  for (const f of run.files) {
    if (f.serviceMs === undefined) continue;
    byTable.set(f.table, [...(byTable.get(f.table) ?? []), f.serviceMs]);
  }
  const perTable = [...byTable].map(([name, values]) => ({ table: name, ...summarize(values) }));
  const all = summarize(run.files.flatMap((f) => (f.serviceMs === undefined ? [] : [f.serviceMs])));
  const p50s = summarize(perTable.map((t) => t.p50));
  const p99s = summarize(perTable.map((t) => t.p99));
  const resources = resourceFigures(run.resources, run.heap);
  const targets: TargetCheck[] = [
    {
      name: 'service peak RSS',
      target: '≤ 200 MB',
      value: `${resources.peakRssMB} MB`,
      met: (resources.peakRssMB ?? Infinity) <= 200,
    },
  ];
  const b = batchFigures(run) as { count: number; filesPerBatch: { p50: number; max: number } };
  const markdown = [
    `${p.tables} tables at once, each with a file every ${p.fileIntervalMs / 1000} s ` +
      `(${p.minRows}–${p.maxRows} rows) for ${p.seconds} s: ${run.files.length} files, ${run.totalRows} change rows.`,
    '',
    table(
      ['PUT → ODS commit, s', 'p50', 'p95', 'p99', 'max'],
      [
        ['all files', seconds(all.p50), seconds(all.p95), seconds(all.p99), seconds(all.max)],
        [
          'per-table p50, across tables',
          seconds(p50s.p50),
          seconds(p50s.p95),
          seconds(p50s.p99),
          seconds(p50s.max),
        ],
        [
          'per-table p99, across tables',
          seconds(p99s.p50),
          seconds(p99s.p95),
          seconds(p99s.p99),
          seconds(p99s.max),
        ],
      ],
    ),
    '',
    `Tables with every file committed: ${perTable.filter((t) => t.count === run.files.filter((f) => f.table === t.table).length).length} of ${p.tables}. ` +
      `${b.count} batches, files per batch p50 ${fixed(b.filesPerBatch.p50, 0)}, max ${fixed(b.filesPerBatch.max, 0)}.`,
    '',
    `Service: peak RSS **${resources.peakRssMB} MB**, CPU ${resources.cpuSeconds} s over ${resources.wallSeconds} s.`,
    '',
    targetsSection(targets),
  ].join('\n');
  return {
    params: { ...p, guide: false },
    figures: {
      files: run.files.length,
      changeRows: run.totalRows,
      latencySeconds: summaryInSeconds(all),
      perTableP50Seconds: summaryInSeconds(p50s),
      perTableP99Seconds: summaryInSeconds(p99s),
      perTable: perTable.map((t) => ({
        table: t.table,
        files: t.count,
        p50: Math.round(t.p50) / 1000,
        p99: Math.round(t.p99) / 1000,
        max: Math.round(t.max) / 1000,
      })),
      serviceBatches: batchFigures(run),
      resources,
      serviceProblemCounts: run.problemCounts,
      serviceProblems: run.problems,
    },
    targets,
    converged: run.converged,
    notes: [],
    markdown,
    chart: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `${p.tables} tables: per-table PUT → ODS commit latency (s)`,
      width: 560,
      height: 260,
      data: {
        values: perTable.flatMap((t) => [
          { table: t.table, stat: 'p50', s: t.p50 / 1000 },
          { table: t.table, stat: 'p99', s: t.p99 / 1000 },
        ]),
      },
      mark: { type: 'tick', thickness: 2 },
      encoding: {
        x: { field: 's', type: 'quantitative', title: 'seconds' },
        y: { field: 'stat', type: 'nominal', title: null },
        color: { field: 'stat', type: 'nominal' },
      },
    },
  };
}
