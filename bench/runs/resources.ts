// `resources`: the service's memory and CPU from /proc — idle right after start, under a burst of
// files, and idle again after it (warm pools and caches). Idle is what the service costs while
// DMS writes nothing: SQS long polls, the table-state poll, timers.
import type { BenchContext, RunOutcome, TargetCheck } from '../harness/context.js';
import { prepareTables } from '../harness/floor.js';
import { waitForLedger } from '../harness/ledger.js';
import { resourceFigures, round, startMeasured } from '../harness/measured-service.js';
import { benchTarget } from '../harness/target.js';
import { upload } from '../harness/uploader.js';
import { table, targetsSection } from '../report/format.js';
import { CdcStream } from '../workload/cdc-stream.js';
import { benchTables } from '../workload/tables.js';
import { writeStream } from '../workload/write-files.js';

export const RESOURCES_DEFAULTS = {
  idleSeconds: 60,
  settleSeconds: 5,
  tables: 4,
  burstFiles: 25,
  rows: 1_000,
  seed: 3,
};
export type ResourcesParams = typeof RESOURCES_DEFAULTS;

/** Idle CPU counts as "near zero" below this share of one core. */
const IDLE_CPU_LIMIT = 0.01;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function resourcesBench(ctx: BenchContext, p: ResourcesParams): Promise<RunOutcome> {
  const tables = benchTables(p.tables);
  const stream = new CdcStream({
    seed: p.seed,
    tables,
    filesPerTable: p.burstFiles,
    minRowsPerFile: p.rows,
    maxRowsPerFile: p.rows,
    updateFraction: 0.3,
    deleteFraction: 0.1,
    firstFileAtMs: Date.now() - 3_600_000,
    fileIntervalMs: 1_000,
  });
  const written = await writeStream(stream.files(), stream.settings);
  const target = await benchTarget('bench_res', tables);
  try {
    await prepareTables(target.config, written.files);
    const measured = await startMeasured(ctx, target.config);
    const { monitor } = measured;
    const phase = async (
      name: string,
      work: () => Promise<void>,
    ): Promise<{ name: string; seconds: number; cpuMs: number; cpuShare: number }> => {
      const cpu0 = await monitor.cpuSinceStart();
      const t0 = performance.now();
      await work();
      const cpuMs = (await monitor.cpuSinceStart()) - cpu0;
      const ms = performance.now() - t0;
      ctx.log(`  ${name}: ${round(cpuMs, 0)} ms CPU in ${round(ms / 1000, 1)} s`);
      return { name, seconds: round(ms / 1000, 1), cpuMs: round(cpuMs, 0), cpuShare: cpuMs / ms };
    };
    await sleep(p.settleSeconds * 1000);
    ctx.log(`idle for ${p.idleSeconds} s…`);
    const idleCold = await phase('idle after start', () => sleep(p.idleSeconds * 1000));
    ctx.log(`a burst of ${written.files.length} files…`);
    const burst = await phase('burst', async () => {
      await upload(written.files, { s3: ctx.s3, buckets: [target.bucket], paced: false });
      await waitForLedger(
        ctx.conn,
        target.config.databend.controlDatabase,
        written.files.length,
        600_000,
        100,
      );
    });
    await sleep(p.settleSeconds * 1000);
    ctx.log(`idle for ${p.idleSeconds} s…`);
    const idleWarm = await phase('idle after the burst', () => sleep(p.idleSeconds * 1000));
    const rssAfterMB = round((monitor.latest?.rssBytes ?? 0) / 1e6, 1);
    const { resources, heap } = await measured.stop();
    const figures = resourceFigures(resources, heap);
    const phases = [idleCold, burst, idleWarm].map((ph) => ({
      ...ph,
      cpuPercentOfCore: round(ph.cpuShare * 100, 2),
    }));
    const targets: TargetCheck[] = [
      {
        name: 'service peak RSS',
        target: '≤ 200 MB',
        value: `${figures.peakRssMB} MB`,
        met: (figures.peakRssMB ?? Infinity) <= 200,
      },
      ...[idleCold, idleWarm].map((ph) => ({
        name: `CPU, ${ph.name}`,
        target: `near zero (< ${IDLE_CPU_LIMIT * 100} % of a core)`,
        value: `${round(ph.cpuShare * 100, 2)} % of a core (${ph.cpuMs} ms in ${ph.seconds} s)`,
        met: ph.cpuShare < IDLE_CPU_LIMIT,
      })),
    ];
    const markdown = [
      `The service idle for ${p.idleSeconds} s after start, then a burst of ${written.files.length} files ` +
        `(${p.tables} tables, ${p.rows} rows each, ${stream.rowCount} change rows), then idle for ${p.idleSeconds} s.`,
      '',
      table(
        ['phase', 'seconds', 'CPU ms', '% of a core'],
        phases.map((ph) => [
          ph.name,
          String(ph.seconds),
          String(ph.cpuMs),
          String(ph.cpuPercentOfCore),
        ]),
      ),
      '',
      `Peak RSS ${figures.peakRssMB} MB; RSS at the end ${rssAfterMB} MB. CPU over the whole run ` +
        `${figures.cpuSeconds} s in ${figures.wallSeconds} s.`,
      '',
      targetsSection(targets),
    ].join('\n');
    return {
      params: { ...p },
      figures: {
        phases,
        rssAtEndMB: rssAfterMB,
        ...figures,
        sqsWaitTimeSeconds: target.config.sqs.waitTimeSeconds,
      },
      targets,
      converged: {},
      notes: [
        'SQS long polling waits 20 s per receive (the default), so an idle service asks SQS three times a minute.',
      ],
      markdown,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'Service resident memory (MB) over the run',
        width: 560,
        height: 220,
        data: {
          values: resources.points.map((pt) => ({ s: pt.atMs / 1000, rssMB: pt.rssBytes / 1e6 })),
        },
        mark: 'line',
        encoding: {
          x: { field: 's', type: 'quantitative', title: 'seconds since start' },
          y: { field: 'rssMB', type: 'quantitative', title: 'RSS MB' },
        },
      },
    };
  } finally {
    await target.cleanup(ctx.conn, ctx.s3).catch(() => undefined);
    await written.remove();
  }
}
