/**
 * The replication loop's parts, built here and handed to each other: the loader, the per-table
 * queues, the pauses, the pipeline and, for `run`, the SQS consumer feeding it. `backfill` builds
 * the same parts without the consumer.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SessionPool } from '../databend/session-pool.js';
import { BatchLoader, type BatchLoaderDeps } from '../ingest/batch-loader.js';
import { BatchProgress } from '../ingest/batch-progress.js';
import { Pipeline } from '../ingest/pipeline.js';
import { holdingThroughOutages, type OutageGate } from '../ingest/outage-gate.js';
import { SqsConsumer, type MessageOutcome } from '../ingest/sqs-consumer.js';
import { TablePauses } from '../ingest/table-pauses.js';
import { BucketLister } from '../ingest/bucket-lister.js';
import { Reloads } from '../ingest/reloads.js';
import { TableQueues } from '../ingest/table-queues.js';
import { TargetOwners } from '../ingest/target-collisions.js';
import { tableLayout } from '../schema/table-ddl.js';
import { TableSchemas } from '../schema/table-schemas.js';

/** The loader's own dependencies pass through unchanged; see BatchLoaderDeps for each. */
export interface LoopDeps extends Pick<
  BatchLoaderDeps,
  'config' | 'logger' | 'events' | 's3' | 'writer' | 'awaitWriter'
> {
  readonly pool: SessionPool;
  /**
   * Whether this process still holds the lease, valid or awaiting its renewal; default: whether
   * `writer` gives a fence. Messages go back to SQS at once only when it does not.
   */
  readonly holding?: () => boolean;
  /** How often pauses and resumes made by the CLI are read from table_state; default 5 s. */
  readonly tableStatePollMs?: number;
}

export interface PipelineParts {
  readonly pipeline: Pipeline;
  readonly queues: TableQueues;
}

/** The loop without an SQS side: files come in through `pipeline.submit`. */
export function pipelineParts(
  deps: LoopDeps,
  backlogged: () => boolean = () => false,
): PipelineParts {
  const { config, logger, events, pool } = deps;
  const progress = new BatchProgress();
  const loader = new BatchLoader({
    config,
    pool: progress.reporting(pool),
    s3: deps.s3,
    schemas: new TableSchemas(tableLayout(config.dms)),
    events,
    logger,
    ...(deps.writer === undefined ? {} : { writer: deps.writer }),
    ...(deps.awaitWriter === undefined ? {} : { awaitWriter: deps.awaitWriter }),
  });
  const reloads = new Reloads({
    config,
    pool,
    lister: new BucketLister(deps.s3, config.s3.bucket),
    events,
    logger: logger.child({ module: 'reloads' }),
  });
  const queues = new TableQueues({
    maxFiles: config.batching.maxFiles,
    maxBytes: config.batching.maxBytes,
    maxWaitMs: config.batching.maxWaitMs,
    maxBacklogWaitMs: config.batching.maxBacklogWaitMs,
    backlogged,
    concurrency: config.batching.tableConcurrency,
    // The footer is read while the file waits; a file that joins one already queued or
    // loading has its footer read (or taken) already.
    onQueued: (file) => loader.prefetch(file),
    // A reload is checked in the table's own slot, never beside one of its batches.
    run: (table, files, mark) =>
      progress.run(mark, async () => {
        const outcomes = await loader.load(files);
        await reloads.afterBatch(table, files, outcomes);
        return outcomes;
      }),
  });
  const pauses = new TablePauses({
    config,
    logger,
    events,
    pool,
    queues,
    tableStatePollMs: deps.tableStatePollMs ?? 5_000,
  });
  const owners = new TargetOwners({ config, pool });
  return {
    pipeline: new Pipeline({
      config,
      logger,
      events,
      pool,
      queues,
      pauses,
      owners,
      reloads,
      ...(deps.writer === undefined
        ? {}
        : { mayWrite: deps.holding ?? (() => deps.writer?.() !== undefined) }),
    }),
    queues,
  };
}

export interface ReplicationLoop extends PipelineParts {
  readonly consumer: SqsConsumer;
  /**
   * Checks the queue, starts the pipeline, then polls; with `consume: false` it does not poll
   * (a standby replica, until it becomes the active writer: startConsuming).
   */
  start(options?: { consume?: boolean }): Promise<void>;
  /** Starts receiving from SQS (this replica became the active writer). */
  startConsuming(): void;
  /**
   * Stops receiving and returns what is in flight to the queue at once (this replica stopped
   * being the active writer): its batches cannot commit any more, and the new holder takes them.
   */
  stopConsuming(): Promise<void>;
  /**
   * Stops polling, lets in-flight batches finish until `signal` aborts (the shutdown deadline),
   * and returns the messages of those still running to SQS at once.
   */
  stop(signal: AbortSignal): Promise<void>;
}

/** `run`'s loop: the pipeline's parts and the SQS consumer that feeds them. */
export function replicationLoop(
  deps: LoopDeps & {
    readonly sqs: SQSClient;
    /** Holds messages and pauses receiving while Databend or S3 does not answer. */
    readonly gate?: OutageGate;
  },
): ReplicationLoop {
  const { config, gate } = deps;
  const handle = (message: Message): Promise<MessageOutcome> => parts.pipeline.handle(message);
  // The queues ask the consumer whether a backlog is coming (only once files arrive, so after
  // the consumer below exists); the consumer hands its messages to the pipeline.
  const parts = pipelineParts(deps, () => consumer.backlogged);
  const consumer: SqsConsumer = new SqsConsumer({
    sqs: deps.sqs,
    queueUrl: config.sqs.queueUrl,
    waitTimeSeconds: config.sqs.waitTimeSeconds,
    maxMessagesPerReceive: config.sqs.maxMessagesPerReceive,
    visibilityTimeoutSeconds: config.sqs.visibilityTimeoutSeconds,
    visibilityHeartbeatSeconds: config.sqs.visibilityHeartbeatSeconds,
    maxInFlight: config.sqs.maxInFlightMessages,
    handle: gate === undefined ? handle : holdingThroughOutages(handle, gate),
    ...(gate === undefined ? {} : { receiveGate: (signal: AbortSignal) => gate.whenUp(signal) }),
    logger: deps.logger.child({ module: 'sqs' }),
  });
  return {
    ...parts,
    consumer,
    start: async (options = {}) => {
      await checkQueue(consumer, config.sqs.queueUrl);
      await parts.pipeline.start();
      if (options.consume ?? true) consumer.start();
    },
    startConsuming: () => consumer.start(),
    stopConsuming: async () => {
      gate?.release();
      await consumer.stopPolling();
      await consumer.drain(AbortSignal.abort());
    },
    stop: async (signal) => {
      gate?.stop();
      await consumer.stopPolling(signal);
      await consumer.drain(signal);
      parts.pipeline.stop();
    },
  };
}

/**
 * A queue SQS says does not exist (or may not be read) is a configuration error; polling it
 * would only warn for ever. SQS not answering is not: polling retries.
 */
async function checkQueue(consumer: SqsConsumer, queueUrl: string): Promise<void> {
  await consumer.checkQueue().catch((error: unknown) => {
    // The reason goes in the message, not as `cause`: pino would print it twice.
    throw new Error(
      `sqs.queueUrl (env SQS_QUEUE_URL): cannot read the queue ${queueUrl}: ` +
        `${error instanceof Error ? error.message : String(error)}`,
    );
  });
}
