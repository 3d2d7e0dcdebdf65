// `throughput`: a backlog already in S3 (its events waiting in SQS) drained into ODS, in change
// rows per second, by (1) the floor — the service's own COPY and MERGE statements issued back to
// back by a minimal script, (2) the service, (3) the service with one file per batch. Variants
// run one after another in one invocation, each on fresh databases with the same files; with
// --repeat they rotate order and the medians are reported.
import { compareOds } from '../../sim/index.js';
import type { BenchContext, RunOutcome, TargetCheck } from '../harness/context.js';
import { prepareTables, runFloor } from '../harness/floor.js';
import { waitForLedger } from '../harness/ledger.js';
import { resourceFigures, round, startMeasured } from '../harness/measured-service.js';
import { median, ratio, summarize } from '../harness/stats.js';
import { benchTarget } from '../harness/target.js';
import { upload } from '../harness/uploader.js';
import { fixed, table, targetsSection } from '../report/format.js';
import { backlogStream } from '../workload/cdc-stream.js';
import { benchTables } from '../workload/tables.js';
import { writeStream, type BenchFile } from '../workload/write-files.js';
import type { Truth } from '../../sim/index.js';

export const THROUGHPUT_DEFAULTS = {
  tables: 4,
  files: 50,
  rows: 2_000,
  updateFraction: 0.3,
  deleteFraction: 0.1,
  seed: 11,
  repeat: 1,
  /** false skips the slowest variant (for repeated runs of the others). */
  oneFilePerBatch: true,
  /** Give up on a variant after this long. */
  timeoutSeconds: 900,
};
export type ThroughputParams = typeof THROUGHPUT_DEFAULTS;

type Variant =
  'floor' | 'service' | 'floor, batched as the service was' | 'service, 1 file per batch';
const VARIANTS: readonly Variant[] = [
  'floor',
  'service',
  'floor, batched as the service was',
  'service, 1 file per batch',
];
/** Run together, in this order: the second replays the first's batches. */
const GROUPS: readonly (readonly Variant[])[] = [
  ['floor'],
  ['service', 'floor, batched as the service was'],
  ['service, 1 file per batch'],
];

interface VariantRun {
  readonly variant: Variant;
  readonly repetition: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  readonly batches: number;
  readonly filesPerBatch: number;
  readonly copyMsTotal: number;
  readonly mergeMsTotal: number;
  /**
   * Service runs: from "running" to the start of its first transaction (receiving the events,
   * reading footers, the ledger look-up, the schema step).
   */
  readonly firstTransactionAfterMs: number | undefined;
  readonly converged: boolean;
  readonly resources: Record<string, number> | undefined;
  readonly problemCounts: Readonly<Record<string, number>>;
  /** Table → files per batch, in commit order. */
  readonly batchSizes: Map<string, number[]>;
}

export async function throughputBench(ctx: BenchContext, p: ThroughputParams): Promise<RunOutcome> {
  const tables = benchTables(p.tables);
  const stream = backlogStream(p, tables);
  ctx.log(`writing the backlog: ${p.tables} tables × ${p.files} files × ${p.rows} rows…`);
  const written = await writeStream(stream.files(), stream.settings);
  const truth = stream.truth();
  const totalRows = stream.rowCount;
  const runs: VariantRun[] = [];
  try {
    for (let rep = 0; rep < p.repeat; rep++) {
      // Rotate the order so no variant always runs first (or last) on a warming, noisy machine.
      const order = GROUPS.flatMap((_, i) => GROUPS[(i + rep) % GROUPS.length] ?? []).filter(
        (v) => p.oneFilePerBatch || v !== 'service, 1 file per batch',
      );
      let serviceBatches: Map<string, number[]> | undefined;
      for (const variant of order) {
        ctx.log(`repetition ${rep + 1}/${p.repeat}: ${variant}…`);
        const run = await runVariant(
          ctx,
          variant,
          written.files,
          truth,
          totalRows,
          p,
          serviceBatches,
        );
        if (variant === 'service') serviceBatches = run.batchSizes;
        ctx.log(
          `  ${round(run.rowsPerSecond, 0)} rows/s (${round(run.elapsedMs / 1000, 1)} s, ${run.batches} batches)` +
            (run.converged ? '' : ' — ODS DIFFERS from the source'),
        );
        runs.push({ ...run, repetition: rep + 1 });
      }
    }
  } finally {
    await written.remove();
  }

  const med = (v: Variant): number =>
    median(runs.filter((r) => r.variant === v).map((r) => r.rowsPerSecond));
  const floor = med('floor');
  const service = med('service');
  const single = med('service, 1 file per batch');
  const floorAsService = med('floor, batched as the service was');
  const ratios = {
    serviceOverFloor: ratio(service, floor),
    serviceOverOneFilePerBatch: ratio(service, single),
    // The gap to the floor in two parts: how the files were cut into batches, and what the
    // service does per batch beyond COPY and MERGE.
    floorBatchedAsServiceOverFloor: ratio(floorAsService, floor),
    serviceOverFloorBatchedAsService: ratio(service, floorAsService),
  };
  const serviceRuns = runs.filter((r) => r.resources !== undefined);
  const peakRss = Math.max(...serviceRuns.map((r) => r.resources?.peakRssMB ?? 0));
  const targets: TargetCheck[] = [
    {
      name: 'service ÷ floor',
      target: '≥ 0.9',
      value: fixed(ratios.serviceOverFloor, 2),
      met: ratios.serviceOverFloor === null ? null : ratios.serviceOverFloor >= 0.9,
    },
    {
      name: 'service ÷ one file per batch',
      target: '≥ 3',
      value: fixed(ratios.serviceOverOneFilePerBatch, 2),
      met:
        ratios.serviceOverOneFilePerBatch === null ? null : ratios.serviceOverOneFilePerBatch >= 3,
    },
    { name: 'service peak RSS', target: '≤ 200 MB', value: `${peakRss} MB`, met: peakRss <= 200 },
  ];
  const converged: Record<string, boolean> = {};
  for (const v of VARIANTS) {
    const ran = runs.filter((r) => r.variant === v);
    if (ran.length > 0) converged[v] = ran.every((r) => r.converged);
  }

  const markdown = [
    `Backlog: ${p.tables} tables × ${p.files} files × ${p.rows} rows = ${totalRows} change rows ` +
      `(${p.updateFraction * 100} % updates, ${p.deleteFraction * 100} % deletes), already in S3 with ` +
      `their events waiting in SQS. ${p.repeat} repetition(s); medians.`,
    '',
    table(
      ['variant', 'rows/s (median)', 'runs', 'batches', 'files/batch', 'COPY s', 'MERGE s'],
      VARIANTS.map((v) => {
        const rs = runs.filter((r) => r.variant === v);
        return [
          v,
          fixed(med(v), 0),
          rs.map((r) => fixed(r.rowsPerSecond, 0)).join(', '),
          rs.map((r) => String(r.batches)).join(', '),
          rs.map((r) => fixed(r.filesPerBatch, 1)).join(', '),
          rs.map((r) => fixed(r.copyMsTotal / 1000, 1)).join(', '),
          rs.map((r) => fixed(r.mergeMsTotal / 1000, 1)).join(', '),
        ];
      }),
    ),
    '',
    `Service ÷ floor: **${fixed(ratios.serviceOverFloor, 2)}**; service ÷ one file per batch: ` +
      `**${fixed(ratios.serviceOverOneFilePerBatch, 2)}**. The gap to the floor splits into the ` +
      `batching (floor batched as the service was ÷ floor: ${fixed(ratios.floorBatchedAsServiceOverFloor, 2)}) ` +
      `and the service's own per-batch work (service ÷ floor batched as the service was: ` +
      `${fixed(ratios.serviceOverFloorBatchedAsService, 2)}). COPY and MERGE seconds are summed over ` +
      'batches (tables run in parallel, so they can exceed the elapsed time); the service’s MERGE ' +
      'time includes its Op summary query.',
    '',
    table(
      ['service run', 'elapsed s', 'first transaction after s', 'peak RSS MB', 'CPU s', 'wall s'],
      serviceRuns.map((r) => [
        `${r.variant} #${r.repetition}`,
        fixed(r.elapsedMs / 1000, 1),
        fixed((r.firstTransactionAfterMs ?? Number.NaN) / 1000, 1),
        String(r.resources?.peakRssMB),
        String(r.resources?.cpuSeconds),
        String(r.resources?.wallSeconds),
      ]),
    ),
    '',
    'First transaction after: from the service’s “running” line to the start of its first ' +
      'transaction: receiving the events, reading the footers, the ledger look-up and the schema ' +
      'step, none of which the floor has on its clock.',
    '',
    targetsSection(targets),
  ].join('\n');
  return {
    params: { ...p },
    figures: {
      totalRows,
      rowsPerSecond: {
        floor,
        service,
        floorBatchedAsService: floorAsService,
        oneFilePerBatch: single,
      },
      ratios,
      runs: runs.map((r) => ({ ...r, batchSizes: Object.fromEntries(r.batchSizes) })),
    },
    targets,
    converged,
    notes: [
      'The floor issues the batch statements’ COPY and MERGE only (no BEGIN/COMMIT, Op summary or ledger, no SQS, footers read before the clock starts), tables in parallel up to the service’s table concurrency, maxFiles files per batch.',
      'A service run is timed from its “running” log line to its last batch’s commit; the floor from its first statement to its last. For every variant the raw and ODS tables are created (by the service’s schema code) before the clock starts.',
    ],
    markdown,
    chart: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Backlog drain, change rows per second (${totalRows} rows)`,
      width: 480,
      height: 240,
      data: { values: runs.map((r) => ({ variant: r.variant, rowsPerSecond: r.rowsPerSecond })) },
      mark: { type: 'bar' },
      encoding: {
        y: {
          field: 'variant',
          type: 'nominal',
          sort: [...VARIANTS],
          title: null,
          axis: { labelLimit: 400 },
        },
        x: {
          aggregate: 'median',
          field: 'rowsPerSecond',
          type: 'quantitative',
          title: 'rows/s (median)',
        },
      },
    },
  };
}

async function runVariant(
  ctx: BenchContext,
  variant: Variant,
  files: readonly BenchFile[],
  truth: Truth,
  totalRows: number,
  p: ThroughputParams,
  serviceBatches: ReadonlyMap<string, readonly number[]> | undefined,
): Promise<Omit<VariantRun, 'repetition'>> {
  const target = await benchTarget('bench_tp', benchTables(p.tables), {
    ...(variant === 'service, 1 file per batch' ? { maxFiles: 1 } : {}),
  });
  try {
    await upload(files, { s3: ctx.s3, buckets: [target.bucket], paced: false, concurrency: 8 });
    let elapsedMs: number;
    let batches: { table: string; files: number; copyMs: number; mergeMs: number }[];
    let resources: Record<string, number> | undefined;
    let problemCounts: Record<string, number> = {};
    let firstTransactionAfterMs: number | undefined;
    if (variant === 'floor' || variant === 'floor, batched as the service was') {
      const floor = await runFloor(
        target.config,
        files,
        variant === 'floor' ? undefined : serviceBatches,
      );
      elapsedMs = floor.elapsedMs;
      batches = [...floor.batches];
    } else {
      // Tables exist before the clock starts, as for the floor.
      await prepareTables(target.config, files);
      const measured = await startMeasured(ctx, target.config);
      const done = await waitForLedger(
        ctx.conn,
        target.config.databend.controlDatabase,
        files.length,
        p.timeoutSeconds * 1000,
        100,
      );
      const stopped = await measured.stop();
      if (!done) ctx.log(`  ${variant}: not every file committed within ${p.timeoutSeconds} s`);
      batches = measured.service.batches;
      const last = Math.max(...measured.service.batches.map((b) => b.atMs));
      elapsedMs = last - measured.readyAtMs;
      firstTransactionAfterMs =
        Math.min(...measured.service.batches.map((b) => b.atMs - b.totalMs)) - measured.readyAtMs;
      resources = resourceFigures(stopped.resources, stopped.heap);
      problemCounts = Object.fromEntries(measured.service.problemCounts);
    }
    const converged = (
      await compareOds(ctx.conn, truth, { database: target.config.databend.odsDatabase })
    ).equal;
    const fileCounts = summarize(batches.map((b) => b.files));
    const batchSizes = new Map<string, number[]>();
    for (const b of batches) batchSizes.set(b.table, [...(batchSizes.get(b.table) ?? []), b.files]);
    return {
      variant,
      elapsedMs,
      rowsPerSecond: totalRows / (elapsedMs / 1000),
      batches: batches.length,
      filesPerBatch: fileCounts.mean,
      copyMsTotal: batches.reduce((s, b) => s + b.copyMs, 0),
      mergeMsTotal: batches.reduce((s, b) => s + b.mergeMs, 0),
      firstTransactionAfterMs,
      converged,
      resources,
      problemCounts,
      batchSizes,
    };
  } finally {
    await target.cleanup(ctx.conn, ctx.s3).catch(() => undefined);
  }
}
