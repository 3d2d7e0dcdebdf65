/**
 * `run`: the long-running service, composed explicitly: config → logger → metrics → clients →
 * pipeline → HTTP; shutdown stops them in reverse order within a deadline.
 */
import { Client } from 'databend-driver';
import { s3Client, sqsClient } from '../clients.js';
import type { Config } from '../config.js';
import { SessionPool } from '../databend/session-pool.js';
import { PipelineEvents } from '../events.js';
import { databendCheck, s3Check, sqsCheck } from '../http/probes.js';
import { Readiness } from '../http/readiness.js';
import { startHttpServer } from '../http/server.js';
import { BucketLister } from '../ingest/bucket-lister.js';
import { DatabendLedgerReader } from '../control/ledger-reader.js';
import { OutageGate } from '../ingest/outage-gate.js';
import { TableErrorRecorder } from '../lifecycle/table-errors.js';
import { Sweep } from '../ingest/sweep.js';
import { RetentionCron } from '../lifecycle/retention-cron.js';
import { Shutdown, untilAborted } from '../lifecycle/shutdown.js';
import { createLogger, flushLogger, logPipelineEvents } from '../logger.js';
import { purgeRaw } from '../control/retention.js';
import { buildInfo } from '../metrics/build-info.js';
import { Metrics } from '../metrics/metrics.js';
import { readLastCommits } from '../control/last-commits.js';
import { ReconcileCron } from '../reconcile/reconcile-cron.js';
import { ReconcileMetrics } from '../reconcile/reconcile-metrics.js';
import { replicationLoop, type ReplicationLoop } from './replication-loop.js';
import { readStatus } from './status.js';
import { replicasLeaseName } from '../control/lease-sql.js';
import { writerName } from '../control/writer-name.js';
import { ReplicaLease } from '../lifecycle/replica-lease.js';
import { holderDuties } from '../lifecycle/holder-duties.js';
import { rawCompactionDuty } from '../lifecycle/raw-compaction-duty.js';
import { EventLoopTicker, LivenessWatchdog, type Activity } from '../lifecycle/watchdog.js';

/** What must keep moving while it has work: the event loop, the poll loop, each running batch. */
function livenessActivities(ticker: EventLoopTicker, loop: ReplicationLoop): Activity[] {
  const tick = ticker.activity();
  const poll = loop.consumer.pollActivity();
  return [
    ...(tick === undefined ? [] : [tick]),
    ...(poll === undefined ? [] : [{ what: 'SQS poll loop', ...poll }]),
    ...loop.queues
      .runningBatches()
      .map((b) => ({ what: `batch of ${b.table}`, lastProgressAt: b.lastProgressAt })),
  ];
}

export async function runService(config: Config): Promise<void> {
  const logger = createLogger({ level: config.log.level });
  const events = new PipelineEvents({
    onListenerError: (err, event) => logger.error({ err, event }, 'event listener failed'),
  });
  const metrics = new Metrics({
    onCollectError: (err) => logger.warn({ err }, 'collecting pending metrics failed'),
    build: buildInfo(),
  });
  metrics.subscribe(events);
  logPipelineEvents(events, logger);

  const s3 = s3Client(config);
  const sqs = sqsClient(config);
  const pool = new SessionPool(config.databend.dsn, {
    statementTimeoutMs: config.databend.statementTimeoutMs,
  });
  // Each table's last error, kept for `status` and GET /status.
  const tableErrors = new TableErrorRecorder({
    pool,
    controlDatabase: config.databend.controlDatabase,
    logger: logger.child({ module: 'table-errors' }),
  });
  tableErrors.subscribe(events);
  // Before anything starts: an invalid retention.cron fails start-up naming the field.
  const retention = new RetentionCron({
    cron: config.retention.cron,
    purge: () =>
      purgeRaw(pool, {
        writer: {
          controlDatabase: config.databend.controlDatabase,
          owner: writerName('retention'),
        },
        rawDatabase: config.databend.rawDatabase,
        rawDays: config.retention.rawDays,
      }),
    events,
  });
  // Raw compacted off the batch path (maintenance.compactCron); an invalid schedule fails start-up.
  const compaction = rawCompactionDuty({
    cron: config.maintenance.compactCron,
    pool,
    rawDatabase: config.databend.rawDatabase,
    events,
    logger: logger.child({ module: 'compaction' }),
  });
  // Off unless reconcile.cron is set; an invalid schedule or a missing source fails start-up.
  const reconcileCron = new ReconcileCron(
    config,
    pool,
    new ReconcileMetrics(metrics.registry),
    logger.child({ module: 'reconcile' }),
  );
  // Any number of replicas run; the lease elects the one that receives and writes.
  const lease = new ReplicaLease({
    pool,
    controlDatabase: config.databend.controlDatabase,
    name: replicasLeaseName(config),
    owner: writerName('replica'),
    ttlMs: config.replicas.leaseTtlMs,
    renewIntervalMs: config.replicas.renewIntervalMs,
    events,
    logger: logger.child({ module: 'lease' }),
    // Receiving, the sweep and the scheduled jobs run on the active writer only.
    ...holderDuties([
      { name: 'consume', start: () => loop.startConsuming(), pause: () => loop.stopConsuming() },
      { name: 'sweep', start: () => sweep.start(), pause: () => sweep.stop() },
      retention,
      compaction,
      reconcileCron,
    ]),
  });
  metrics.setLeaseSource(() => ({ active: lease.active, holder: lease.holder() }));
  const loop = replicationLoop({
    config,
    logger: logger.child({ module: 'pipeline' }),
    events,
    pool,
    s3,
    sqs,
    writer: () => lease.writer(),
    // Databend and S3 as /readyz sees them (SQS down stops receiving by itself).
    gate: new OutageGate({
      probe: async () => {
        const { checks } = await readiness.check();
        return ['databend', 's3'].filter((name) => checks[name]?.ok === false);
      },
      probeBackoffMs: config.outage.probeBackoffMs,
      probeMaxBackoffMs: config.outage.probeMaxBackoffMs,
      logger: logger.child({ module: 'outage' }),
    }),
    awaitWriter: () => lease.awaitWriter(),
    holding: () => lease.holding,
  });
  const { pipeline } = loop;
  metrics.setPendingSource(() =>
    loop.queues
      .pending()
      .map((p) => ({ table: p.table, files: p.files, oldestEventTime: p.oldestEventTime })),
  );

  const sweep = new Sweep({
    config,
    lister: new BucketLister(s3, config.s3.bucket),
    ledger: new DatabendLedgerReader(pool, config),
    events,
    logger: logger.child({ module: 'sweep' }),
    submit: (ref) => pipeline.submit(ref),
    pausedTables: () => pipeline.pausedTables(),
  });

  metrics.setHeldSource(() => pipeline.heldFiles());

  const probe = databendCheck(new Client(config.databend.dsn));
  const readiness = new Readiness({
    checks: [
      probe,
      sqsCheck(sqs, config.sqs.queueUrl),
      s3Check(s3, config.s3.bucket, config.s3.bucketFolder),
    ],
  });
  metrics.setDependencySource(async () =>
    Object.fromEntries(
      Object.entries((await readiness.check()).checks).map(([name, check]) => [name, check.ok]),
    ),
  );
  const ticker = new EventLoopTicker();
  ticker.start();
  const watchdog = new LivenessWatchdog({
    stallTimeoutMs: config.liveness.stallTimeoutMs,
    activities: () => livenessActivities(ticker, loop),
  });
  const http = await startHttpServer({
    host: config.http.host,
    port: config.http.port,
    metrics,
    readiness,
    liveness: () => watchdog.check(),
    // What `status --json` prints, plus what only this process knows: files waiting and held.
    status: async () => ({
      ...(await readStatus(config)),
      pending: loop.queues.pending(),
      held: pipeline.heldFiles(),
    }),
    logger: logger.child({ module: 'http' }),
  });

  const shutdown = new Shutdown({
    deadlineMs: config.shutdown.deadlineMs,
    logger,
    steps: [
      { name: 'readiness', run: () => readiness.markShuttingDown() },
      // Every wait ends at the deadline (the signal): the steps after it still run.
      { name: 'retention', run: (signal) => untilAborted(retention.stop(), signal) },
      { name: 'compaction', run: (signal) => untilAborted(compaction.stop(), signal) },
      { name: 'reconcile', run: (signal) => untilAborted(reconcileCron.stop(), signal) },
      { name: 'sweep', run: (signal) => untilAborted(sweep.stop(), signal) },
      // At the deadline the unfinished batches' messages become visible again at once.
      { name: 'pipeline', run: (signal) => loop.stop(signal) },
      // After the drain: a standby takes over at its next look instead of waiting for expiry.
      { name: 'lease', run: (signal) => untilAborted(lease.stop(), signal) },
      {
        name: 'http',
        run: (signal) => {
          ticker.stop();
          return untilAborted(http.close(), signal);
        },
      },
      {
        name: 'databend',
        run: (signal) =>
          untilAborted(
            tableErrors.idle().then(() => Promise.all([pool.close(), probe.close()])),
            signal,
          ),
      },
      {
        name: 'aws',
        run: () => {
          s3.destroy();
          sqs.destroy();
        },
      },
    ],
    flush: () => flushLogger(logger),
  });
  shutdown.install(process);

  try {
    // A standby prepares like the active writer but receives nothing until the lease is its own.
    await loop.start({ consume: false });
    metrics.recordLastCommits(
      await readLastCommits(pool, config.databend.controlDatabase).catch((err: unknown) => {
        logger.warn({ err }, 'reading the last commits from the ledger failed');
        return new Map<string, Date>();
      }),
    );
    // After start: the control tables exist and paused tables are known. The sweep, retention
    // and the scheduled reconcile run on the active writer only: the lease starts them.
    await lease.start();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await shutdown.run({ kind: 'request', reason: 'start-up failed', failed: true });
    return;
  }
  logger.info(
    {
      metrics: `${http.url}/metrics`,
      queue: config.sqs.queueUrl,
      bucket: config.s3.bucket,
      nextRetention: retention.nextRun(),
      nextReconcile: reconcileCron.nextRun(),
    },
    'bend-replicator is running',
  );
}
