/**
 * One chaos run: a simulated DMS source delivered into a bucket of its own (duplicates and
 * reordering included), the service running against Databend and S3/SQS through fault proxies,
 * killed with SIGKILL at random, Databend restarted, the network cut — and at the end, with the
 * faults off, ODS compared with the source and raw with the files.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import {
  catalogTables,
  deliverFiles,
  planDelivery,
  s3ClientFor,
  simulate,
  writeParquetFiles,
} from '../../sim/index.js';
import { quoteIdent } from '../../src/databend/quote.js';
import { isolatedPipe, type LocalStack } from '../support/stack.js';
import type { DatabendProcess } from './databend-process.js';
import { NO_FAULTS, type FaultCounts, type FaultProxy, type FaultRates } from './fault-proxy.js';
import { countsSince, deadLettered, runConfig } from './run-setup.js';
import { MessageEcho } from './message-echo.js';
import { chaosSchedule, describeEvent, type ChaosEvent } from './schedule.js';
import { ServiceProcess } from './service-process.js';
import { deliveredVersions, rawDuplicateRows, verifyRun, type Verdict } from './verify.js';

export interface ChaosRunOptions {
  readonly seed: number;
  /** Source tables (1–4 of the simulator's catalogue). */
  readonly tables: number;
  /** Seconds of simulated source activity. */
  readonly durationSeconds: number;
  readonly transactionsPerSecond: number;
  /** Time between uploads of consecutive files. */
  readonly deliveryIntervalMs: number;
  readonly kills: number;
  readonly databendRestarts: number;
  readonly outages: number;
  readonly faults: { readonly databend: Partial<FaultRates>; readonly aws: Partial<FaultRates> };
  /** Probability that a file is put twice (same ETag, a second S3 event). */
  readonly duplicateProbability: number;
  /** Uploads shuffled within windows of this many files. */
  readonly reorderWindow: number;
  /** Probability that a file's notification is sent again, later, straight to SQS. */
  readonly echoProbability: number;
  /** A DMS reload of the first table (its LOAD files rewritten with new ETags). */
  readonly reload: boolean;
  /** SQS receives before the DLQ; high, so chaos does not strand files there. */
  readonly maxReceiveCount: number;
  readonly convergeTimeoutMs: number;
  /**
   * Service processes on the one queue (default 1). With more, each kill strikes the replica
   * holding the lease: every other one is a SIGKILL, the others a SIGSTOP for the down time.
   */
  readonly replicas?: number;
}

/** What every run shares: the stack's S3/SQS, a Databend of the suite's own, the proxies. */
export interface ChaosEnvironment {
  readonly stack: LocalStack;
  readonly databend: DatabendProcess;
  readonly databendProxy: FaultProxy;
  readonly awsProxy: FaultProxy;
  /** A direct connection to the suite's Databend (no proxy), for checking. */
  readonly conn: Connection;
  readonly sqs: SQSClient;
  /** Where runs keep their service logs. */
  readonly dir: string;
  readonly log: (line: string) => void;
}

export interface ChaosRunResult {
  readonly seed: number;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly events: readonly string[];
  readonly files: number;
  readonly versions: number;
  readonly changeRows: number;
  readonly rawRows: number;
  /** Versions replaced by a reload before the service read them (rightly skipped). */
  readonly skippedSuperseded: number;
  readonly kills: number;
  readonly killsDuringBatch: number;
  /** Of the kills, those that froze the lease holder (SIGSTOP) rather than killed it. */
  readonly freezes: number;
  /** Leases taken after the first one (with one replica: its restarts). */
  readonly takeovers: number;
  readonly databendRestarts: number;
  readonly serviceCrashes: number;
  /** Exits at start-up while Databend or SQS was away (restarted, as an orchestrator would). */
  readonly startupExits: number;
  readonly echoes: number;
  readonly deadLettered: number;
  readonly proxy: { readonly databend: FaultCounts; readonly aws: FaultCounts };
  readonly chaosSeconds: number;
  readonly convergeSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function chaosRun(
  env: ChaosEnvironment,
  options: ChaosRunOptions,
): Promise<ChaosRunResult> {
  const { stack, log } = env;
  const tables = catalogTables('shop', options.tables);
  const simulation = simulate(
    {
      seed: options.seed,
      tables,
      durationSeconds: options.durationSeconds,
      transactionsPerSecond: options.transactionsPerSecond,
      initialRows: 40,
      reload: options.reload
        ? { table: `shop.${tables[0]?.name ?? 'customers'}`, atFraction: 0.85 }
        : null,
    },
    { cdcMaxBatchInterval: 1, changeSeqColumn: 'AR_H_CHANGE_SEQ' },
  );
  const written = await writeParquetFiles(simulation.files, simulation.settings, {
    outDir: mkdtempSync(join(tmpdir(), 'chaos-files-')),
  });
  const pipe = await isolatedPipe(`chaos${options.seed}`, options.maxReceiveCount, stack);
  const config = runConfig(
    stack,
    { databend: env.databendProxy.port, aws: env.awsProxy.port },
    options.seed,
    pipe,
    tables,
  );

  const knobs = {
    seed: options.seed,
    duplicateProbability: options.duplicateProbability,
    reorderWindow: options.reorderWindow,
    intervalMs: options.deliveryIntervalMs,
  };
  const plan = planDelivery(
    written.map((w) => ({ key: w.file.key, version: w.file.version })),
    knobs,
  );
  const windowMs = Math.max(5_000, ...plan.map((s) => s.atMs));
  const schedule = chaosSchedule({
    seed: options.seed,
    windowMs,
    kills: options.kills,
    databendRestarts: options.databendRestarts,
    outages: options.outages,
  });
  const events = schedule.map(describeEvent);
  const before = { databend: { ...env.databendProxy.counts }, aws: { ...env.awsProxy.counts } };

  const replicas = options.replicas ?? 1;
  const services = Array.from(
    { length: replicas },
    (_, i) =>
      new ServiceProcess({
        config,
        env: { AWS_ACCESS_KEY_ID: stack.accessKeyId, AWS_SECRET_ACCESS_KEY: stack.secretAccessKey },
        logFile: join(
          env.dir,
          replicas === 1
            ? `service-seed${options.seed}.log`
            : `service-seed${options.seed}-r${i}.log`,
        ),
      }),
  );
  const [first] = services;
  if (first === undefined) throw new Error('a chaos run needs at least one replica');
  /** The replica holding the lease (the one that writes), else the first. */
  const holder = (): ServiceProcess => services.find((s) => s.active) ?? first;
  let strikes = 0;
  let freezes = 0;
  const echo = new MessageEcho({
    sqs: env.sqs,
    queueUrl: pipe.queueUrl,
    seed: options.seed,
    probability: options.echoProbability,
    maxDelayMs: Math.round(windowMs / 3),
  });
  env.databendProxy.setRates({ ...NO_FAULTS, ...options.faults.databend });
  env.awsProxy.setRates({ ...NO_FAULTS, ...options.faults.aws });

  const started = Date.now();
  for (const s of services) s.start();
  const client = s3ClientFor({
    endpoint: stack.endpoint,
    region: stack.region,
    accessKeyId: stack.accessKeyId,
    secretAccessKey: stack.secretAccessKey,
    bucket: pipe.bucket,
  });
  const delivery = deliverFiles(written, {
    ...knobs,
    client,
    bucket: pipe.bucket,
    onPut: (put) =>
      echo.onPut({ bucket: pipe.bucket, key: put.key, etag: put.eTag, size: put.bytes }),
  });
  let killsDuringBatch = 0;
  const chaos = (async () => {
    for (const event of schedule) {
      const wait = started + event.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      await strike(event);
    }
  })();
  async function strike(event: ChaosEvent): Promise<void> {
    log(`  ${describeEvent(event)}`);
    if (event.kind === 'kill') {
      const service = holder();
      service.note(describeEvent(event));
      // Every life gets to start up and poll before it is killed again; a service killed only
      // while it starts would test little but start-up.
      await service.waitUntilRunning(60_000);
      if (event.duringBatch && (await service.nextBatchStart(20_000))) await sleep(event.offsetMs);
      if (service.batchOpen) killsDuringBatch++;
      if (replicas > 1 && strikes++ % 2 === 1) {
        // Frozen past its lease: a standby takes over; thawed, it must not commit.
        service.note('SIGSTOP');
        freezes++;
        await service.freeze(Math.max(event.downMs, config.replicas.leaseTtlMs + 2_000));
        return;
      }
      await service.stop('SIGKILL');
      await sleep(event.downMs);
      service.start();
    } else if (event.kind === 'databend-restart') {
      await env.databend.restart(event.downMs);
    } else {
      (event.target === 'databend' ? env.databendProxy : env.awsProxy).outage(event.durationMs);
    }
  }

  const problems: string[] = [];
  let verdict: Verdict | undefined;
  const puts = await delivery;
  await chaos;
  await echo.flush();
  client.destroy();
  const chaosSeconds = (Date.now() - started) / 1000;

  // Faults off: from here on the service must converge by itself.
  env.databendProxy.setRates(NO_FAULTS);
  env.awsProxy.setRates(NO_FAULTS);
  const delivered = deliveredVersions(written, puts);

  const convergeStarted = Date.now();
  const deadline = convergeStarted + options.convergeTimeoutMs;
  for (;;) {
    try {
      verdict = await verifyRun(env.conn, config, simulation, delivered);
      if (verdict.problems.length === 0) break;
    } catch {
      // Tables appear as their first files load.
    }
    if (Date.now() > deadline) break;
    await sleep(2_000);
  }
  const convergeSeconds = (Date.now() - convergeStarted) / 1000;
  if (verdict === undefined) problems.push('the tables could not be read at the end');
  else problems.push(...verdict.problems);

  const reloaded = new Set(written.filter((w) => w.file.version > 1).map((w) => w.file.key));
  if (reloaded.size === 0) {
    const tablesLoaded = [...new Set(delivered.map((d) => d.table))];
    const duplicates = await rawDuplicateRows(env.conn, config, tablesLoaded).catch(() => -1);
    if (duplicates !== 0) problems.push(`raw holds ${duplicates} duplicate (_file, _row) pair(s)`);
  }
  const dead = await deadLettered(env.sqs, pipe.dlqUrl);
  if (dead > 0) problems.push(`${dead} message(s) went to the dead-letter queue`);
  for (const service of services) {
    const exitCode = await service.stop('SIGTERM');
    if (exitCode !== 0) problems.push(`the service exited with ${String(exitCode)} on SIGTERM`);
  }
  // Exiting at start-up while a dependency is away is allowed (the orchestrator starts it
  // again); any other exit nobody asked for is a crash.
  const unexpectedExits = services.flatMap((s) => s.unexpectedExits);
  const startupExits = unexpectedExits.filter((e) =>
    e.lastLines.some((l) => l.includes('"start-up failed"')),
  );
  const crashes = unexpectedExits.filter((e) => !startupExits.includes(e));
  for (const exit of crashes)
    problems.push(
      `the service exited by itself (code ${String(exit.code)}, signal ${String(exit.signal)}): ${exit.lastLines.slice(-3).join(' | ')}`,
    );

  const passed = problems.length === 0;
  if (passed) {
    for (const db of [
      config.databend.rawDatabase,
      config.databend.odsDatabase,
      config.databend.controlDatabase,
    ])
      await env.conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`).catch(() => undefined);
  }
  return {
    seed: options.seed,
    passed,
    problems,
    events,
    files: written.length,
    versions: delivered.length,
    changeRows: delivered.reduce((sum, d) => sum + d.rows, 0),
    rawRows: verdict?.rawRows ?? 0,
    skippedSuperseded: verdict?.skippedSuperseded ?? 0,
    kills: schedule.filter((e) => e.kind === 'kill').length,
    killsDuringBatch,
    freezes,
    takeovers: Math.max(0, services.reduce((n, s) => n + s.acquisitions, 0) - 1),
    databendRestarts: schedule.filter((e) => e.kind === 'databend-restart').length,
    serviceCrashes: crashes.length,
    startupExits: startupExits.length,
    echoes: echo.sent,
    deadLettered: dead,
    proxy: {
      databend: countsSince(env.databendProxy.counts, before.databend),
      aws: countsSince(env.awsProxy.counts, before.aws),
    },
    chaosSeconds,
    convergeSeconds,
  };
}
