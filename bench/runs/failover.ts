// `failover`: replicas of the service on one queue while a steady CDC stream arrives; the lease
// holder is struck again and again — alternately SIGKILL (restarted at once, as an orchestrator
// would, to stand by) and SIGSTOP (frozen until the new holder committed, then thawed: it must
// not commit) — and each time the bench measures holder struck → lease taken by another replica
// → that replica's first commit. At the end ODS must equal the source.
import { compareOds } from '../../sim/index.js';
import type { BenchContext, RunOutcome } from '../harness/context.js';
import { prepareTables } from '../harness/floor.js';
import { readLedger, waitForLedger } from '../harness/ledger.js';
import { round } from '../harness/measured-service.js';
import { ServiceProcess } from '../harness/service.js';
import { summarize } from '../harness/stats.js';
import { benchTarget } from '../harness/target.js';
import { upload } from '../harness/uploader.js';
import { fixed, summaryInSeconds, table } from '../report/format.js';
import { CdcStream } from '../workload/cdc-stream.js';
import { benchTables } from '../workload/tables.js';
import { writeStream } from '../workload/write-files.js';

export const FAILOVER_DEFAULTS = {
  replicas: 2,
  /** Strikes of the lease holder, alternately SIGKILL and SIGSTOP. */
  takeovers: 6,
  tables: 2,
  fileIntervalMs: 1_000,
  rows: 200,
  updateFraction: 0.3,
  deleteFraction: 0.1,
  seed: 13,
  /** The service's defaults (config/default.yaml). */
  leaseTtlMs: 15_000,
  renewIntervalMs: 3_000,
  /** Steady loading by the holder before it is struck. */
  settleSeconds: 8,
  /** SQS visibility: what a SIGKILLed holder had received comes back after this. */
  visibilityTimeoutSeconds: 30,
  drainSeconds: 180,
};
export type FailoverParams = typeof FAILOVER_DEFAULTS;

interface Takeover {
  readonly signal: 'SIGKILL' | 'SIGSTOP';
  /** Struck → another replica took the lease, ms. */
  readonly acquiredMs: number;
  /** Struck → that replica's first commit, ms. */
  readonly firstCommitMs: number;
  /** Batches the thawed holder tried and could not commit (SIGSTOP only). */
  readonly fencedAfterThaw: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function failoverBench(ctx: BenchContext, p: FailoverParams): Promise<RunOutcome> {
  const tables = benchTables(p.tables);
  // Long enough that files keep arriving through every strike and its takeover.
  const perTakeoverMs = p.settleSeconds * 1000 + p.leaseTtlMs + p.renewIntervalMs + 10_000;
  const streamMs = p.takeovers * perTakeoverMs + 20_000;
  const stream = new CdcStream({
    seed: p.seed,
    tables,
    filesPerTable: Math.ceil(streamMs / p.fileIntervalMs),
    minRowsPerFile: p.rows,
    maxRowsPerFile: p.rows,
    updateFraction: p.updateFraction,
    deleteFraction: p.deleteFraction,
    firstFileAtMs: Date.now(),
    fileIntervalMs: p.fileIntervalMs,
  });
  ctx.log(`writing a stream of ${Math.round(streamMs / 1000)} s (${p.tables} tables)…`);
  const written = await writeStream(stream.files(), stream.settings);
  const target = await benchTarget('bench_fo', tables, {
    leaseTtlMs: p.leaseTtlMs,
    renewIntervalMs: p.renewIntervalMs,
    visibilityTimeoutSeconds: p.visibilityTimeoutSeconds,
  });
  const replica = (): ServiceProcess =>
    new ServiceProcess({
      config: target.config,
      runner: ctx.runner,
      credentials: {
        accessKeyId: ctx.stack.accessKeyId,
        secretAccessKey: ctx.stack.secretAccessKey,
      },
      nodeArgs: ctx.nodeArgs,
    });
  const all: ServiceProcess[] = [];
  const live: ServiceProcess[] = [];
  const spawn = (): ServiceProcess => {
    const s = replica();
    s.start();
    all.push(s);
    live.push(s);
    return s;
  };
  const takeovers: Takeover[] = [];
  let converged: boolean;
  try {
    await prepareTables(target.config, written.files);
    for (let i = 0; i < p.replicas; i++) spawn();
    await Promise.all(live.map((s) => s.waitForLog(/bend-replicator is running/, 60_000)));
    const uploads = upload(written.files, { s3: ctx.s3, buckets: [target.bucket], paced: true });
    for (let n = 0; n < p.takeovers; n++) {
      await sleep(p.settleSeconds * 1000);
      // The one that took the lease last: a thawed holder may not have noticed its loss yet.
      const holder = await until(
        () => live.filter((s) => s.active).sort((a, b) => lastTake(b) - lastTake(a))[0],
        120_000,
        'a lease holder',
      );
      const signal = n % 2 === 0 ? 'SIGKILL' : 'SIGSTOP';
      const struck = Date.now();
      if (signal === 'SIGKILL') {
        await holder.stop('SIGKILL');
        live.splice(live.indexOf(holder), 1);
        spawn(); // stands by, as a restarted pod does
      } else holder.signal('SIGSTOP');
      const others = live.filter((s) => s !== holder);
      const acquiredAt = await until(
        () => first(others.flatMap((s) => s.acquiredAtMs.filter((t) => t >= struck))),
        p.leaseTtlMs * 4 + 60_000,
        'a takeover',
      );
      const committedAt = await until(
        () => first(others.flatMap((s) => s.batches.map((b) => b.atMs).filter((t) => t >= struck))),
        p.leaseTtlMs * 4 + 60_000,
        'the new holder’s first commit',
      );
      let fencedAfterThaw = 0;
      if (signal === 'SIGSTOP') {
        const before = holder.fenced;
        holder.signal('SIGCONT');
        // It finds out at its next renewal; whatever it had in flight is refused meanwhile.
        await sleep(p.renewIntervalMs + 2_000);
        fencedAfterThaw = holder.fenced - before;
      }
      const t: Takeover = {
        signal,
        acquiredMs: acquiredAt - struck,
        firstCommitMs: committedAt - struck,
        fencedAfterThaw,
      };
      takeovers.push(t);
      ctx.log(
        `${n + 1}/${p.takeovers} ${signal}: lease taken after ${fixed(t.acquiredMs / 1000, 1)} s, ` +
          `first commit after ${fixed(t.firstCommitMs / 1000, 1)} s`,
      );
    }
    await uploads;
    const done = await waitForLedger(
      ctx.conn,
      target.config.databend.controlDatabase,
      written.files.length,
      p.drainSeconds * 1000,
    );
    if (!done) {
      const loaded = new Set(
        (await readLedger(ctx.conn, target.config.databend.controlDatabase)).map((e) => e.key),
      );
      const missing = written.files.filter((f) => !loaded.has(f.key)).map((f) => f.key);
      ctx.log(
        `not every file committed within ${p.drainSeconds} s of the last PUT: ` +
          `${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
      );
    }
    converged = (
      await compareOds(ctx.conn, stream.truth(), { database: target.config.databend.odsDatabase })
    ).equal;
  } finally {
    for (const s of live) {
      s.signal('SIGCONT');
      await s.stop();
    }
    await written.remove();
    await target.cleanup(ctx.conn, ctx.s3).catch(() => undefined);
  }
  return outcome(p, takeovers, converged, all, written.files.length, stream.rowCount);
}

function lastTake(s: ServiceProcess): number {
  return Math.max(0, ...s.acquiredAtMs);
}

function first(times: readonly number[]): number | undefined {
  return times.length === 0 ? undefined : Math.min(...times);
}

function outcome(
  p: FailoverParams,
  takeovers: readonly Takeover[],
  converged: boolean,
  all: readonly ServiceProcess[],
  files: number,
  rows: number,
): RunOutcome {
  const bySignal = (signal?: Takeover['signal']) =>
    takeovers.filter((t) => signal === undefined || t.signal === signal);
  const figures = (ts: readonly Takeover[]) => ({
    takeovers: ts.length,
    leaseTakenSeconds: summaryInSeconds(summarize(ts.map((t) => t.acquiredMs))),
    firstCommitSeconds: summaryInSeconds(summarize(ts.map((t) => t.firstCommitMs))),
  });
  const s = (ts: readonly Takeover[], f: (t: Takeover) => number) => summarize(ts.map(f));
  const row = (label: string, ts: readonly Takeover[]): string[] => [
    label,
    String(ts.length),
    fixed(s(ts, (t) => t.acquiredMs).p50 / 1000, 1),
    fixed(s(ts, (t) => t.acquiredMs).max / 1000, 1),
    fixed(s(ts, (t) => t.firstCommitMs).p50 / 1000, 1),
    fixed(s(ts, (t) => t.firstCommitMs).max / 1000, 1),
  ];
  const fenced = takeovers.reduce((n, t) => n + t.fencedAfterThaw, 0);
  const markdown = [
    `${p.replicas} replicas on one queue, ${p.tables} tables, a file every ${p.fileIntervalMs} ms ` +
      `per table (${p.rows} rows); lease ${p.leaseTtlMs} ms, renewed every ${p.renewIntervalMs} ms. ` +
      `The holder is struck ${p.takeovers} times after ${p.settleSeconds} s of steady loading each, ` +
      'alternately SIGKILL (restarted at once as a standby) and SIGSTOP (thawed after the takeover).',
    '',
    table(
      ['struck by', 'takeovers', 'lease taken p50 s', 'max s', 'first commit p50 s', 'max s'],
      [
        row('SIGKILL', bySignal('SIGKILL')),
        row('SIGSTOP', bySignal('SIGSTOP')),
        row('all', bySignal()),
      ],
    ),
    '',
    table(
      ['#', 'struck by', 'lease taken after s', 'first commit after s', 'fenced after thaw'],
      takeovers.map((t, i) => [
        String(i + 1),
        t.signal,
        fixed(t.acquiredMs / 1000, 1),
        fixed(t.firstCommitMs / 1000, 1),
        t.signal === 'SIGSTOP' ? String(t.fencedAfterThaw) : '—',
      ]),
    ),
    '',
    `Times from the strike (the harness's clock) to the log line of the replica that took the ` +
      `lease, and to its first \`batch committed\` line. ${fenced} batch(es) of thawed holders ` +
      `were refused (fenced). ${files} files, ${rows} change rows; ODS ` +
      `${converged ? 'equals' : 'DIFFERS FROM'} the source at the end.`,
  ].join('\n');
  return {
    params: { ...p },
    figures: {
      all: figures(bySignal()),
      sigkill: figures(bySignal('SIGKILL')),
      sigstop: figures(bySignal('SIGSTOP')),
      fencedAfterThaw: fenced,
      fencedTotal: all.reduce((n, x) => n + x.fenced, 0),
      takeovers,
    },
    headline: {
      firstCommitP50Seconds: round(s(takeovers, (t) => t.firstCommitMs).p50 / 1000, 2),
      firstCommitMaxSeconds: round(s(takeovers, (t) => t.firstCommitMs).max / 1000, 2),
    },
    targets: [],
    converged: { service: converged },
    notes: [
      'A SIGKILLed holder releases nothing: a standby waits for the lease to expire (leaseTtlMs) and sees it at its next look (renewIntervalMs). A SIGSTOPped one is the same to the others.',
    ],
    markdown,
    chart: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Holder struck → first commit by the new holder, s',
      width: 480,
      height: 200,
      data: {
        values: takeovers.map((t, i) => ({
          takeover: i + 1,
          signal: t.signal,
          seconds: t.firstCommitMs / 1000,
        })),
      },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'takeover', type: 'ordinal' },
        y: { field: 'seconds', type: 'quantitative' },
        color: { field: 'signal', type: 'nominal' },
      },
    },
  };
}
