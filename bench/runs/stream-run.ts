// A steady CDC stream put into S3 on DMS's schedule, replicated by the service and — side by side,
// from the same files put at the same moments into a bucket of its own — by the guide's scheduled
// COPY + MERGE. Per file: when its PUT completed, and when each design committed it to ODS.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { quoteIdent } from '../../src/databend/quote.js';
import { compareOds } from '../../sim/index.js';
import { uniqueName } from '../../test/support/stack.js';
import type { BenchContext } from '../harness/context.js';
import { prepareTables } from '../harness/floor.js';
import { readLedger, waitForLedger } from '../harness/ledger.js';
import { startMeasured } from '../harness/measured-service.js';
import type { HeapPeaks } from '../harness/heap-sampler.js';
import type { ResourceSummary } from '../harness/proc-stats.js';
import type { BatchLine } from '../harness/service.js';
import { benchTarget, emptyBucket, type BenchTarget } from '../harness/target.js';
import { upload, type PutRecord } from '../harness/uploader.js';
import { GuideRunner, type GuideTick } from '../guide/guide-runner.js';
import { setupGuide } from '../guide/guide-setup.js';
import { CdcStream } from '../workload/cdc-stream.js';
import { benchTables } from '../workload/tables.js';
import { writeStream } from '../workload/write-files.js';

export interface StreamParams {
  readonly tables: number;
  readonly seconds: number;
  readonly fileIntervalMs: number;
  readonly minRows: number;
  readonly maxRows: number;
  readonly updateFraction: number;
  readonly deleteFraction: number;
  readonly seed: number;
  /** Run the guide's design side by side. */
  readonly guide: boolean;
  readonly guideIntervalMs: number;
  /** The service's batching.maxWaitMs (its default is 50). */
  readonly maxWaitMs: number;
  /** Seconds to wait after the last PUT for both designs to commit everything. */
  readonly drainSeconds: number;
}

export interface FileTiming {
  readonly table: string;
  readonly key: string;
  readonly rows: number;
  readonly putDoneMs: number;
  readonly putMs: number;
  readonly lateMs: number;
  /** ms from PUT to the service's COMMIT; undefined when it never committed. */
  readonly serviceMs: number | undefined;
  /** The engine's COPY + MERGE time in the service's batch that committed the file. */
  readonly engineMs: number | undefined;
  /** ms from PUT to the start of that batch's transaction (delivery, queueing, batching, look-up). */
  readonly beforeTransactionMs: number | undefined;
  readonly guideMs: number | undefined;
  /** The file's PUT fell inside a run of the guide's Tasks (both designs loading the engine). */
  readonly duringGuideRun: boolean;
}

export interface StreamRun {
  readonly files: readonly FileTiming[];
  readonly totalRows: number;
  readonly batches: readonly BatchLine[];
  readonly resources: ResourceSummary;
  readonly heap: HeapPeaks | undefined;
  /** The service's warnings and errors, counted by message. */
  readonly problemCounts: Readonly<Record<string, number>>;
  readonly guideTicks: readonly GuideTick[];
  readonly converged: Record<string, boolean>;
  readonly problems: readonly string[];
  readonly commitSource: 'batch log line' | 'ledger loaded_at';
  readonly serviceReadyMs: number;
}

/** Where a stream runs when not in fresh databases of its own (the aged deployment). */
export interface StreamSetup {
  /** The target to run in; its cleanup decides what is kept afterwards. */
  readonly target: BenchTarget;
  /** The first key the stream inserts: above the keys the tables already hold. */
  readonly firstKey: number;
}

export async function runStream(
  ctx: BenchContext,
  p: StreamParams,
  setup?: StreamSetup,
): Promise<StreamRun> {
  const tables = benchTables(p.tables);
  const filesPerTable = Math.max(1, Math.round((p.seconds * 1000) / p.fileIntervalMs));
  const stream = new CdcStream({
    seed: p.seed,
    tables,
    filesPerTable,
    minRowsPerFile: p.minRows,
    maxRowsPerFile: p.maxRows,
    updateFraction: p.updateFraction,
    deleteFraction: p.deleteFraction,
    firstFileAtMs: Date.now(),
    fileIntervalMs: p.fileIntervalMs,
    ...(setup === undefined ? {} : { firstKey: setup.firstKey }),
  });
  ctx.log(`writing ${filesPerTable * p.tables} Parquet files (${p.tables} tables)…`);
  const written = await writeStream(stream.files(), stream.settings);
  const truth = stream.truth();
  ctx.log(`  ${written.files.length} files, ${stream.rowCount} change rows`);

  const target =
    setup?.target ?? (await benchTarget('bench_stream', tables, { maxWaitMs: p.maxWaitMs }));
  // The ledger rows of this run: an aged ledger holds millions from before it.
  const since = new Date(Date.now() - 1_000);
  const guideName = uniqueName('bench_guide').toLowerCase();
  const guideBucket = guideName.replace(/_/g, '-');
  const guideRaw = `${guideName}_raw`;
  const guideOds = `${guideName}_ods`;
  // The tables exist before the stream starts, for the service as for the guide: steady state.
  await prepareTables(target.config, written.files);
  const measured = await startMeasured(ctx, target.config);
  const serviceReadyMs = measured.readyAtMs - measured.spawnedAtMs;
  try {
    let guide: GuideRunner | undefined;
    if (p.guide) {
      await ctx.s3.send(new CreateBucketCommand({ Bucket: guideBucket }));
      const runs = await setupGuide(
        ctx.conn,
        {
          bucket: guideBucket,
          stage: `${guideName}_stage`,
          stageConnection: target.config.databend.stageConnection,
          rawDatabase: guideRaw,
          odsDatabase: guideOds,
          opColumn: target.config.dms.opColumn,
          timestampColumn: target.config.dms.timestampColumn ?? '_dms_ingestion_timestamp',
        },
        tables,
        written.files,
      );
      guide = new GuideRunner(ctx.conn, `${guideName}_stage`, runs, p.guideIntervalMs);
    }

    ctx.log(
      `streaming for ${p.seconds} s: ${p.tables} tables, a file every ${p.fileIntervalMs} ms each` +
        (p.guide ? `; the guide's Tasks every ${p.guideIntervalMs / 1000} s` : ''),
    );
    const streamStart = Date.now();
    const expected = written.files.length;
    const guideRun = guide?.run(
      streamStart + p.guideIntervalMs,
      () => (guide?.committed.size ?? 0) >= expected,
      streamStart + p.seconds * 1000 + p.drainSeconds * 1000,
    );
    let putCount = 0;
    const puts = await upload(written.files, {
      s3: ctx.s3,
      buckets: p.guide ? [target.bucket, guideBucket] : [target.bucket],
      paced: true,
      onPut: () => {
        putCount++;
        if (putCount % Math.max(1, Math.round(expected / 5)) === 0)
          ctx.log(`  ${Math.round(putCount / (p.guide ? 2 : 1))} of ${expected} files put`);
      },
    });
    ctx.log('all files put; waiting for both designs to commit them…');
    const serviceDone = await waitForLedger(
      ctx.conn,
      target.config.databend.controlDatabase,
      expected,
      p.drainSeconds * 1000,
      250,
      since,
    );
    if (!serviceDone) ctx.log('  the service did not commit every file in time');
    await guideRun;
    const { resources, heap, exitCode } = await measured.stop();
    if (exitCode !== 0) ctx.log(`  the service exited with ${exitCode}`);

    const ledger = await readLedger(ctx.conn, target.config.databend.controlDatabase, since);
    const batchTime = new Map(measured.service.batches.map((b) => [b.batch, b.atMs]));
    const serviceCommit = new Map(
      ledger.map((e) => [e.key, batchTime.get(e.batch) ?? e.loadedAtMs] as const),
    );
    const batchEngineMs = new Map(
      measured.service.batches.map((b) => [b.batch, b.copyMs + b.mergeMs]),
    );
    const engineOf = new Map(ledger.map((e) => [e.key, batchEngineMs.get(e.batch)] as const));
    const batchStart = new Map(measured.service.batches.map((b) => [b.batch, b.atMs - b.totalMs]));
    const startOf = new Map(ledger.map((e) => [e.key, batchStart.get(e.batch)] as const));
    const commitSource = ledger.every((e) => batchTime.has(e.batch))
      ? 'batch log line'
      : 'ledger loaded_at';
    const putOf = (bucket: string): Map<string, PutRecord> =>
      new Map(puts.filter((r) => r.bucket === bucket).map((r) => [r.key, r]));
    const servicePuts = putOf(target.bucket);
    const guidePuts = putOf(guideBucket);
    const ticks = guide?.ticks ?? [];
    const files: FileTiming[] = written.files.map((f) => {
      const put = servicePuts.get(f.key);
      const gPut = guidePuts.get(f.key);
      const sCommit = serviceCommit.get(f.key);
      const gCommit = guide?.committed.get(f.key);
      const putDoneMs = put?.doneMs ?? Number.NaN;
      return {
        table: f.table,
        key: f.key,
        rows: f.rows,
        putDoneMs,
        putMs: put === undefined ? Number.NaN : put.doneMs - put.startMs,
        lateMs: put?.lateMs ?? 0,
        serviceMs: sCommit === undefined ? undefined : sCommit - putDoneMs,
        engineMs: engineOf.get(f.key),
        beforeTransactionMs: (startOf.get(f.key) ?? Number.NaN) - putDoneMs,
        guideMs: gCommit === undefined || gPut === undefined ? undefined : gCommit - gPut.doneMs,
        duringGuideRun: ticks.some(
          (t) => putDoneMs >= t.startMs - 2_000 && putDoneMs <= t.startMs + t.copyMs + t.mergeMs,
        ),
      };
    });

    ctx.log('comparing ODS with the source…');
    const converged: Record<string, boolean> = {
      service: (
        await compareOds(ctx.conn, truth, {
          database: target.config.databend.odsDatabase,
          ...(setup === undefined ? {} : { keysFrom: setup.firstKey }),
        })
      ).equal,
    };
    if (p.guide) {
      const guideCompare = await compareOds(ctx.conn, truth, { database: guideOds });
      converged.guide = guideCompare.equal;
      if (!guideCompare.equal) ctx.log(`  guide ODS differs: ${guideCompare.report.slice(0, 500)}`);
    }
    return {
      files,
      totalRows: stream.rowCount,
      batches: measured.service.batches,
      resources,
      heap,
      problemCounts: Object.fromEntries(measured.service.problemCounts),
      guideTicks: ticks,
      converged,
      problems: measured.service.problems.slice(0, 20),
      commitSource,
      serviceReadyMs,
    };
  } finally {
    await measured.stop().catch(() => undefined);
    await target.cleanup(ctx.conn, ctx.s3).catch(() => undefined);
    if (p.guide) {
      for (const db of [guideRaw, guideOds])
        await ctx.conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`).catch(() => undefined);
      await emptyBucket(ctx.s3, guideBucket).catch(() => undefined);
    }
    await written.remove();
  }
}
