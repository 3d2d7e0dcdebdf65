// How long a reconciliation sweep of one table folder takes, and how many ListObjectsV2 requests
// it makes, when the folder holds many files the ledger already has and a few it lacks. Runs on
// the local stack (`npm run stack:up`): moto S3 and the real Databend engine for the ledger.
//
//   npm run bench:sweep -- [--loaded 10000] [--new 10] [--runs 7] [--kind cdc|load]
//
// Scenarios, each timed over --runs sweeps (the new files are handed to a recorder, not loaded,
// so every run finds them again):
// - incremental: the `run` sweep; the ledger's newest CDC key is older than the look-back, so
//   the folder is listed from after it;
// - whole folder: the same folder with no usable start key (a table the ledger has never seen,
//   or day-first date folders), which is also what `backfill` lists.
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import type { Config } from '../src/config.js';
import { minimalConfig } from '../test/support/config-tree.js';
import { quoteIdent } from '../src/databend/quote.js';
import { SessionPool } from '../src/databend/session-pool.js';
import { PipelineEvents } from '../src/events.js';
import { BucketLister } from '../src/ingest/bucket-lister.js';
import { done } from '../src/ingest/file-outcome.js';
import { DatabendLedgerReader } from '../src/control/ledger-reader.js';
import { Sweep, type SweepReport } from '../src/ingest/sweep.js';
import { migrateControlTables } from '../src/control/migrate.js';
import { insertLedgerSql } from '../src/control/ledger-sql.js';
import { readStackEnv } from '../stack/stack.js';

const { values } = parseArgs({
  options: {
    loaded: { type: 'string', default: '10000' },
    new: { type: 'string', default: '10' },
    runs: { type: 'string', default: '7' },
    kind: { type: 'string', default: 'cdc' },
  },
});
const loadedCount = Number(values.loaded);
const newCount = Number(values.new);
const runs = Number(values.runs);
const kind = values.kind;
if (![loadedCount, newCount, runs].every((n) => Number.isInteger(n) && n >= 0) || runs < 1)
  throw new Error('--loaded, --new and --runs take whole numbers (--runs at least 1)');
if (kind !== 'cdc' && kind !== 'load') throw new Error('--kind is cdc or load');
const fileKind: 'cdc' | 'load' = kind;

const stack = readStackEnv();
if (stack?.DATABEND_DSN === undefined || stack.AWS_ENDPOINT_URL === undefined)
  throw new Error('.stack/env not found: start the local stack with `npm run stack:up`');

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const bucket = `bench-sweep-${suffix}`;
const control = `bench_sweep_${suffix}`;
const region = stack.AWS_REGION ?? 'us-east-1';
const s3 = new S3Client({
  endpoint: stack.AWS_ENDPOINT_URL,
  region,
  forcePathStyle: true,
  credentials: {
    accessKeyId: stack.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: stack.AWS_SECRET_ACCESS_KEY ?? 'test',
  },
});
// Every ListObjectsV2 request on the wire, counted independently of the lister's own count.
let wireListRequests = 0;
s3.middlewareStack.add(
  (next, context) => (args) => {
    if (context.commandName === 'ListObjectsV2Command') wireListRequests += 1;
    return next(args);
  },
  { step: 'initialize', name: 'countListRequests' },
);

const config: Config = minimalConfig({
  databend: { dsn: stack.DATABEND_DSN, controlDatabase: control },
  s3: { bucket, region, endpoint: stack.AWS_ENDPOINT_URL, forcePathStyle: true },
  sqs: { queueUrl: 'http://127.0.0.1:1/000000000000/unused' },
  tables: { byName: { 'shop.orders': { primaryKey: ['id'] } } },
  sweep: { intervalMinutes: 10, graceSeconds: 0 },
});

const folder = 'shop/orders/';
const start = Date.UTC(2024, 0, 1);
/** The i-th file of the folder: CDC names a minute apart, or LOAD counters. */
function key(i: number, k: string): string {
  if (k === 'load') return `${folder}LOAD${i.toString(16).toUpperCase().padStart(8, '0')}.parquet`;
  const iso = new Date(start + i * 60_000).toISOString();
  return `${folder}${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 23).replace(/[:.]/g, '')}.parquet`;
}

async function inParallel(count: number, width: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const pool = new SessionPool(config.databend.dsn);
try {
  const setupStarted = Date.now();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = 'x';
  const etag = '9dd4e461268c8034f5c8564e155c67a6'; // MD5 of 'x', which S3 gives as the ETag
  // Loaded files first; the new ones follow them in name order, as DMS writes them.
  await inParallel(loadedCount + newCount, 32, async (i) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key(i, kind), Body: body }));
  });
  await pool.with(async (session) => {
    await migrateControlTables(session, control, { holder: 'bench' });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (let i = 0; i < loadedCount; i += 1_000) {
      const rows = Array.from({ length: Math.min(1_000, loadedCount - i) }, (_, j) => ({
        bucket,
        key: key(i + j, kind),
        etag,
        table: 'orders',
        batchId: 'bench',
        kind: fileKind,
        rows: 1,
        size: 1,
        eventTime: twoDaysAgo,
      }));
      await session.exec(insertLedgerSql(control, rows));
    }
  });
  console.log(
    `setup: ${loadedCount} loaded + ${newCount} new ${kind} files in s3://${bucket}/${folder}, ` +
      `ledger ${control}.files (${((Date.now() - setupStarted) / 1000).toFixed(1)} s)`,
  );

  const scenarios: { name: string; lookbackMs: number }[] = [
    { name: 'incremental (run)', lookbackMs: 60 * 60_000 },
    // A look-back longer than the ledger's age: no start key, the whole folder is listed.
    { name: 'whole folder', lookbackMs: 10 * 365 * 86_400_000 },
  ];
  console.log(
    'scenario            list requests (wire)  objects listed  found  median ms  min ms  max ms',
  );
  for (const scenario of scenarios) {
    const reports: SweepReport[] = [];
    let wire = 0;
    for (let run = 0; run < runs; run++) {
      const found: string[] = [];
      const sweep = new Sweep({
        config,
        lister: new BucketLister(s3, bucket),
        ledger: new DatabendLedgerReader(pool, config),
        events: new PipelineEvents(),
        logger: pino({ level: 'silent' }),
        submit: (ref) => {
          found.push(ref.key);
          return Promise.resolve(done(0, 'recorded'));
        },
        pausedTables: () => new Map(),
        lookbackMs: scenario.lookbackMs,
      });
      const before = wireListRequests;
      const report = await sweep.runOnce();
      wire = wireListRequests - before;
      if (report.found !== newCount || found.length !== newCount)
        throw new Error(`${scenario.name}: found ${report.found} files, expected ${newCount}`);
      reports.push(report);
    }
    const ms = reports.map((r) => r.durationMs);
    const last = reports.at(-1);
    console.log(
      `${scenario.name.padEnd(20)}${`${last?.listRequests ?? 0} (${wire})`.padStart(20)}` +
        `${String(last?.listed ?? 0).padStart(16)}${String(last?.found ?? 0).padStart(7)}` +
        `${median(ms).toFixed(0).padStart(11)}${Math.min(...ms)
          .toFixed(0)
          .padStart(8)}` +
        `${Math.max(...ms)
          .toFixed(0)
          .padStart(8)}`,
    );
  }
  console.log(
    `(${runs} runs each; list requests include 2 for finding the table folder: the schema level ` +
      `and the table level)`,
  );
} finally {
  await pool
    .with((session) => session.exec(`DROP DATABASE IF EXISTS ${quoteIdent(control)}`))
    .catch(() => undefined);
  await pool.close();
  s3.destroy();
}
