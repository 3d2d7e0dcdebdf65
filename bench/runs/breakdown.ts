// `breakdown`: where the time of one batch goes, statement by statement, with the service's own
// code and SQL issued in the service's order: the ledger look-up, the footer read (ranged GETs),
// then BEGIN, COPY, the Op summary, MERGE, the ledger INSERT and COMMIT. Once with one file per
// batch and once with every file in one batch, plus the bare round trip of `SELECT 1`. Separates
// what the engine spends on the work (COPY, MERGE) from what the service's extra statements cost.
import { ClaimTables } from '../../src/control/claim-tables.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { batchStatements, newBatchId, type ReadyFile } from '../../src/merge/batch-statements.js';
import { loadedFilesSql } from '../../src/control/ledger-sql.js';
import { parseKey } from '../../src/files/key-layout.js';
import { earliestLoadTime } from '../../src/files/ledger-window.js';
import { readParquetSchema } from '../../src/schema/parquet-footer.js';
import { s3RangeReader } from '../../src/schema/range-reader.js';
import type { BenchContext, RunOutcome } from '../harness/context.js';
import { prepareTables } from '../harness/floor.js';
import { round } from '../harness/measured-service.js';
import { median } from '../harness/stats.js';
import { benchTarget } from '../harness/target.js';
import { upload } from '../harness/uploader.js';
import { fixed, table } from '../report/format.js';
import { backlogStream } from '../workload/cdc-stream.js';
import { benchTables } from '../workload/tables.js';
import { writeStream } from '../workload/write-files.js';

export const BREAKDOWN_DEFAULTS = {
  files: 20,
  rows: 500,
  updateFraction: 0.3,
  deleteFraction: 0.1,
  seed: 5,
  roundTrips: 20,
};
export type BreakdownParams = typeof BREAKDOWN_DEFAULTS;

const STEPS = [
  'ledger look-up',
  'footer read (S3)',
  'BEGIN',
  'fence: claim UPDATE',
  'fence: ledger check',
  'COPY',
  'Op summary',
  'MERGE',
  'ledger INSERT',
  'COMMIT',
] as const;
type Step = (typeof STEPS)[number];
const ENGINE_WORK: readonly Step[] = ['COPY', 'MERGE'];

export async function breakdownBench(ctx: BenchContext, p: BreakdownParams): Promise<RunOutcome> {
  const tables = benchTables(1);
  const stream = backlogStream(p, tables);
  const written = await writeStream(stream.files(), stream.settings);
  const perFile: Record<Step, number>[] = [];
  const whole: Record<Step, number>[] = [];
  const roundTrips: number[] = [];
  for (const mode of ['one file per batch', 'all files in one batch'] as const) {
    const target = await benchTarget('bench_bd', tables);
    const pool = new SessionPool(target.config.databend.dsn);
    try {
      const puts = await upload(written.files, {
        s3: ctx.s3,
        buckets: [target.bucket],
        paced: false,
      });
      const etags = new Map(puts.map((r) => [r.key, r.etag]));
      const { byTable, odsColumns } = await prepareTables(target.config, written.files);
      const [tableName, ready] = [...byTable][0] as [string, readonly ReadyFile[]];
      const groups = mode === 'one file per batch' ? ready.map((r) => [r]) : [ready];
      ctx.log(`${mode}: ${groups.length} batch(es)…`);
      const claims = new ClaimTables(target.config.databend.controlDatabase);
      await pool.with(async (session) => {
        const { config } = target;
        for (const group of groups) {
          const times = {} as Record<Step, number>;
          const timed = async <T>(step: Step, work: () => Promise<T>): Promise<T> => {
            const t0 = performance.now();
            const result = await work();
            times[step] = (times[step] ?? 0) + performance.now() - t0;
            return result;
          };
          await timed('ledger look-up', () =>
            session.query(
              loadedFilesSql(
                config.databend.controlDatabase,
                config.s3.bucket,
                group.map((r) => r.file.ref.key),
                earliestLoadTime(
                  group.map((r) => {
                    const parsed = parseKey(r.file.ref.key, {
                      bucketFolder: config.s3.bucketFolder,
                    });
                    return parsed.ok ? parsed.file : undefined;
                  }),
                ),
              ),
            ),
          );
          // As BatchLoader reads them: up to 16 at a time.
          for (let i = 0; i < group.length; i += 16) {
            await timed('footer read (S3)', () =>
              Promise.all(
                group
                  .slice(i, i + 16)
                  .map((r) =>
                    readParquetSchema(
                      s3RangeReader(
                        ctx.s3,
                        config.s3.bucket,
                        r.file.ref.key,
                        etags.get(r.file.ref.key) ?? '',
                      ),
                      r.file.ref.size,
                    ),
                  ),
              ),
            );
          }
          const statements = batchStatements(
            config,
            newBatchId(),
            group,
            odsColumns.get(tableName),
            { owner: 'bench' },
          );
          await claims.ensure(session, tableName);
          await timed('BEGIN', () => session.exec('BEGIN'));
          await timed('fence: claim UPDATE', () => session.exec(statements.fence.claim));
          await timed('fence: ledger check', () => session.query(statements.fence.ledger));
          const rowsByFile = new Map<string, number>();
          for (const copy of statements.copies) {
            for (const row of await timed('COPY', () => session.query(copy)))
              rowsByFile.set(String(row.File), Number(row.Rows_loaded));
          }
          await timed('Op summary', () => session.query(statements.summary));
          if (statements.merge !== undefined) {
            const merge = statements.merge;
            await timed('MERGE', () => session.exec(merge));
          }
          await timed('ledger INSERT', () => session.exec(statements.ledger(rowsByFile)));
          await timed('COMMIT', () => session.exec('COMMIT'));
          (mode === 'one file per batch' ? perFile : whole).push(times);
        }
        if (mode === 'one file per batch') {
          for (let i = 0; i < p.roundTrips; i++) {
            const t0 = performance.now();
            await session.query('SELECT 1');
            roundTrips.push(performance.now() - t0);
          }
        }
      });
    } finally {
      await pool.close();
      await target.cleanup(ctx.conn, ctx.s3).catch(() => undefined);
    }
  }
  await written.remove();

  const medianOf = (list: readonly Record<Step, number>[], step: Step): number =>
    median(list.map((t) => t[step] ?? 0));
  const perFileMedians = Object.fromEntries(STEPS.map((s) => [s, round(medianOf(perFile, s), 1)]));
  const wholeBatch = Object.fromEntries(STEPS.map((s) => [s, round(whole[0]?.[s] ?? 0, 1)]));
  const sum = (m: Record<string, number>, steps: readonly Step[]): number =>
    steps.reduce((s, step) => s + (m[step] ?? 0), 0);
  const perFileTotal = sum(perFileMedians, STEPS);
  const perFileWork = sum(perFileMedians, ENGINE_WORK);
  const wholeTotal = sum(wholeBatch, STEPS);
  const wholeWork = sum(wholeBatch, ENGINE_WORK);
  const roundTrip = median(roundTrips);
  const markdown = [
    `One table, ${p.files} files × ${p.rows} rows; statements issued one after another on one ` +
      'session, nothing else running from this harness.',
    '',
    table(
      [
        'step',
        `one file per batch, median ms (${p.files} batches)`,
        `all ${p.files} files in one batch, ms`,
      ],
      [
        ...STEPS.map((s) => [s, fixed(perFileMedians[s], 0), fixed(wholeBatch[s], 0)]),
        ['total', fixed(perFileTotal, 0), fixed(wholeTotal, 0)],
        [
          'COPY + MERGE share',
          `${fixed((100 * perFileWork) / perFileTotal, 0)} %`,
          `${fixed((100 * wholeWork) / wholeTotal, 0)} %`,
        ],
      ],
    ),
    '',
    `\`SELECT 1\` round trip: median ${fixed(roundTrip, 1)} ms over ${p.roundTrips}.`,
  ].join('\n');
  return {
    params: { ...p },
    figures: {
      oneFilePerBatchMedianMs: perFileMedians,
      oneFilePerBatchTotalMs: round(perFileTotal, 1),
      allFilesOneBatchMs: wholeBatch,
      allFilesOneBatchTotalMs: round(wholeTotal, 1),
      selectOneRoundTripMs: round(roundTrip, 1),
    },
    targets: [],
    converged: {},
    notes: [
      'COPY and MERGE are the work itself; the other steps are the service’s extra statements and reads (each costs at least an engine round trip).',
    ],
    markdown,
    chart: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'One batch, ms per step',
      width: 480,
      height: 240,
      data: {
        values: [
          ...STEPS.map((s) => ({
            mode: 'one file per batch (median)',
            step: s,
            ms: perFileMedians[s],
          })),
          ...STEPS.map((s) => ({
            mode: `all ${p.files} files in one batch`,
            step: s,
            ms: wholeBatch[s],
          })),
        ],
      },
      mark: 'bar',
      encoding: {
        y: { field: 'mode', type: 'nominal', title: null },
        x: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'ms' },
        color: { field: 'step', type: 'nominal', sort: [...STEPS] },
        order: { field: 'step' },
      },
    },
  };
}
