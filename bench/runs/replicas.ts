// `replicas`: the throughput backlog (bench/runs/throughput.ts) drained by 1, 2, 3… replicas of
// the service on one queue, side by side in one invocation — one of them holds the lease and
// loads, the others stand by — and, to see whether sharing tables among active replicas would
// pay (per-table leases), by two services each owning half of the tables (a queue, a bucket and
// a control database each; the same raw and ODS databases), both active at once.
import { compareOds, type Truth } from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import type { BenchContext, RunOutcome } from '../harness/context.js';
import { prepareTables } from '../harness/floor.js';
import { waitForLedger } from '../harness/ledger.js';
import { round } from '../harness/measured-service.js';
import { ServiceProcess } from '../harness/service.js';
import { median, ratio } from '../harness/stats.js';
import { benchTarget, type BenchTarget } from '../harness/target.js';
import { upload } from '../harness/uploader.js';
import { fixed, table } from '../report/format.js';
import { backlogStream } from '../workload/cdc-stream.js';
import { benchTables } from '../workload/tables.js';
import { writeStream, type BenchFile } from '../workload/write-files.js';

export const REPLICAS_DEFAULTS = {
  /** Replica counts to run, comma-separated. */
  replicas: '1,2,3',
  /** Also run two active services owning half of the tables each. */
  split: true,
  tables: 4,
  files: 50,
  rows: 2_000,
  updateFraction: 0.3,
  deleteFraction: 0.1,
  seed: 11,
  repeat: 3,
  timeoutSeconds: 900,
};
export type ReplicasParams = typeof REPLICAS_DEFAULTS;

const SPLIT = 'two active services, half the tables each';

interface VariantRun {
  readonly variant: string;
  readonly repetition: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  readonly batches: number;
  /** Replicas that committed at least one batch. */
  readonly writers: number;
  readonly converged: boolean;
}

export async function replicasBench(ctx: BenchContext, p: ReplicasParams): Promise<RunOutcome> {
  const counts = p.replicas.split(',').map((c) => Number(c.trim()));
  if (counts.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error(`--replicas takes counts like 1,2,3, got ${p.replicas}`);
  const variants = [...counts.map(replicasLabel), ...(p.split ? [SPLIT] : [])];
  const tables = benchTables(p.tables);
  const stream = backlogStream(p, tables);
  ctx.log(`writing the backlog: ${p.tables} tables × ${p.files} files × ${p.rows} rows…`);
  const written = await writeStream(stream.files(), stream.settings);
  const truth = stream.truth();
  const runs: VariantRun[] = [];
  try {
    for (let rep = 0; rep < p.repeat; rep++) {
      // Rotate the order so no variant always runs first (or last) on a noisy machine.
      const order = variants.map((_, i) => variants[(i + rep) % variants.length] as string);
      for (const variant of order) {
        ctx.log(`repetition ${rep + 1}/${p.repeat}: ${variant}…`);
        const halves =
          variant === SPLIT
            ? [
                tables.slice(0, Math.ceil(tables.length / 2)),
                tables.slice(Math.ceil(tables.length / 2)),
              ]
            : [tables];
        const replicas = variant === SPLIT ? 1 : (counts[variants.indexOf(variant)] ?? 1);
        const run = await runVariant(
          ctx,
          halves,
          replicas,
          written.files,
          truth,
          stream.rowCount,
          p,
        );
        ctx.log(
          `  ${round(run.rowsPerSecond, 0)} rows/s (${round(run.elapsedMs / 1000, 1)} s, ` +
            `${run.batches} batches by ${run.writers} writer(s))` +
            (run.converged ? '' : ' — ODS DIFFERS from the source'),
        );
        runs.push({ ...run, variant, repetition: rep + 1 });
      }
    }
  } finally {
    await written.remove();
  }
  return outcome(p, variants, runs, stream.rowCount);
}

function replicasLabel(n: number): string {
  return n === 1 ? '1 replica' : `${n} replicas`;
}

/** One target per group of tables; every group after the first writes the first's raw and ODS. */
async function targetsFor(
  groups: readonly ReturnType<typeof benchTables>[],
): Promise<BenchTarget[]> {
  const targets: BenchTarget[] = [];
  for (const group of groups) targets.push(await benchTarget('bench_rp', group));
  return targets;
}

function sharedData(config: Config, first: Config): Config {
  return {
    ...config,
    databend: {
      ...config.databend,
      rawDatabase: first.databend.rawDatabase,
      odsDatabase: first.databend.odsDatabase,
    },
  };
}

async function runVariant(
  ctx: BenchContext,
  groups: readonly ReturnType<typeof benchTables>[],
  replicas: number,
  files: readonly BenchFile[],
  truth: Truth,
  totalRows: number,
  p: ReplicasParams,
): Promise<Omit<VariantRun, 'variant' | 'repetition'>> {
  const targets = await targetsFor(groups);
  const [firstTarget] = targets as [BenchTarget];
  const services: ServiceProcess[] = [];
  try {
    const parts = targets.map((t, i) => {
      const names = new Set((groups[i] ?? []).map((x) => `${x.schema}.${x.name}`));
      return {
        target: t,
        config: sharedData(t.config, firstTarget.config),
        files: files.filter((f) => names.has(f.table)),
      };
    });
    for (const part of parts) {
      await upload(part.files, { s3: ctx.s3, buckets: [part.target.bucket], paced: false });
      // Tables exist before the clock starts, as in the throughput bench.
      await prepareTables(part.config, part.files);
      for (let r = 0; r < replicas; r++)
        services.push(
          new ServiceProcess({
            config: part.config,
            runner: ctx.runner,
            credentials: {
              accessKeyId: ctx.stack.accessKeyId,
              secretAccessKey: ctx.stack.secretAccessKey,
            },
            nodeArgs: ctx.nodeArgs,
          }),
        );
    }
    for (const s of services) s.start();
    const readyAt = await Promise.all(
      services.map(async (s) => {
        await s.waitForLog(/bend-replicator is running/, 60_000);
        return Date.now();
      }),
    );
    for (const part of parts) {
      const done = await waitForLedger(
        ctx.conn,
        part.config.databend.controlDatabase,
        part.files.length,
        p.timeoutSeconds * 1000,
        100,
      );
      if (!done) ctx.log(`  not every file committed within ${p.timeoutSeconds} s`);
    }
    const batches = services.flatMap((s) => s.batches);
    const elapsedMs = Math.max(...batches.map((b) => b.atMs)) - Math.min(...readyAt);
    const converged = (
      await compareOds(ctx.conn, truth, { database: firstTarget.config.databend.odsDatabase })
    ).equal;
    return {
      elapsedMs,
      rowsPerSecond: totalRows / (elapsedMs / 1000),
      batches: batches.length,
      writers: services.filter((s) => s.batches.length > 0).length,
      converged,
    };
  } finally {
    for (const s of services) await s.stop();
    for (const t of targets) await t.cleanup(ctx.conn, ctx.s3).catch(() => undefined);
  }
}

function outcome(
  p: ReplicasParams,
  variants: readonly string[],
  runs: readonly VariantRun[],
  totalRows: number,
): RunOutcome {
  const med = (v: string): number =>
    median(runs.filter((r) => r.variant === v).map((r) => r.rowsPerSecond));
  const one = med(variants[0] ?? '');
  const ratios = Object.fromEntries(variants.map((v) => [v, ratio(med(v), one)] as const));
  const converged: Record<string, boolean> = {};
  for (const v of variants)
    converged[v] = runs.filter((r) => r.variant === v).every((r) => r.converged);
  const markdown = [
    `Backlog: ${p.tables} tables × ${p.files} files × ${p.rows} rows = ${totalRows} change rows ` +
      `(${p.updateFraction * 100} % updates, ${p.deleteFraction * 100} % deletes), already in S3 with ` +
      `their events waiting in SQS; the tables exist before the clock starts. ${p.repeat} ` +
      'repetition(s), the order rotated; medians. Timed from the first replica’s “running” line to ' +
      'the last commit of any replica.',
    '',
    table(
      ['variant', 'rows/s (median)', `÷ ${variants[0] ?? ''}`, 'runs', 'batches', 'writers'],
      variants.map((v) => {
        const rs = runs.filter((r) => r.variant === v);
        return [
          v,
          fixed(med(v), 0),
          fixed(ratios[v], 2),
          rs.map((r) => fixed(r.rowsPerSecond, 0)).join(', '),
          rs.map((r) => String(r.batches)).join(', '),
          rs.map((r) => String(r.writers)).join(', '),
        ];
      }),
    ),
    '',
    'Writers: replicas that committed at least one batch. With one lease only its holder loads; ' +
      `“${SPLIT}” is what per-table leases would give: every service active on its own tables.`,
  ].join('\n');
  return {
    params: { ...p },
    figures: {
      totalRows,
      rowsPerSecond: Object.fromEntries(variants.map((v) => [v, med(v)])),
      ratios,
      runs,
    },
    headline: Object.fromEntries(variants.map((v) => [v, round(med(v), 0)])),
    targets: variants
      .filter((v) => v !== SPLIT && v !== variants[0])
      .map((v) => ({
        name: `${v} ÷ ${variants[0] ?? ''}`,
        target: 'not slower (≥ 0.9, noise)',
        value: fixed(ratios[v], 2),
        met: ratios[v] === null || ratios[v] === undefined ? null : ratios[v] >= 0.9,
      })),
    converged,
    notes: [
      'Every variant runs on fresh databases with the same files; the split variant’s two services share the raw and ODS databases and have a queue, a bucket and a control database each.',
    ],
    markdown,
    chart: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Backlog drain by replicas, change rows per second (${totalRows} rows)`,
      width: 480,
      height: 200,
      data: { values: runs.map((r) => ({ variant: r.variant, rowsPerSecond: r.rowsPerSecond })) },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'variant', type: 'nominal', sort: [...variants], title: null },
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
