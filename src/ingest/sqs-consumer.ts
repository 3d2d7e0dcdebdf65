/**
 * The SQS side: long-poll only when there is capacity, keep received messages invisible while
 * their files load (heartbeat), delete in batches after their outcome is final, and hand retries
 * back through ChangeMessageVisibility. On stop, messages without an outcome return to the queue
 * at once.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { changeVisibility, chunks, refusedByService } from './sqs-requests.js';

export type MessageOutcome =
  | { readonly kind: 'done' | 'ignored' }
  | { readonly kind: 'retry' | 'poison'; readonly backoffSeconds: number };

export interface SqsConsumerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly waitTimeSeconds: number;
  readonly maxMessagesPerReceive: number;
  readonly visibilityTimeoutSeconds: number;
  readonly visibilityHeartbeatSeconds: number;
  /** Messages received and not yet finished; polling pauses at this many. */
  readonly maxInFlight: number;
  readonly handle: (message: Message) => Promise<MessageOutcome>;
  /** Waited for before each receive: resolves when receiving may go on (an outage ended). */
  readonly receiveGate?: (signal: AbortSignal) => Promise<unknown>;
  readonly logger: Logger;
}

interface InFlight {
  readonly receiptHandle: string;
  readonly id: string;
}

interface PendingDelete {
  readonly entry: InFlight;
  readonly settle: (error?: Error) => void;
}

export class SqsConsumer {
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  /** The last receive returned as many messages as it may: the queue is deep. */
  private lastReceiveFull = false;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private extending: Promise<void> | undefined;
  private capacityWaiters: (() => void)[] = [];
  /** drain() waiting for the last in-flight message to finish. */
  private idleWaiters: (() => void)[] = [];
  /** Messages whose outcome is final, deleted together once the current turn of the loop ends. */
  private pendingDeletes: PendingDelete[] = [];
  private abort = new AbortController();
  /** When the poll loop last moved (a receive answered or failed, a turn began). */
  private pollProgressAt = Date.now();
  /** The poll loop waits for others (capacity, an outage's end), not for SQS: no activity. */
  private pollWaiting = false;

  constructor(private readonly options: SqsConsumerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.pollProgressAt = Date.now();
    this.heartbeat = setInterval(
      () => void (this.extending = this.extendVisibility()),
      this.options.visibilityHeartbeatSeconds * 1000,
    );
    this.loop = this.poll();
  }

  /**
   * Reads the queue's attributes. Rejects when SQS refuses the request itself (no such queue, no
   * permission: a 4xx other than throttling), which no retry can mend; a failure to reach SQS
   * is logged and left to the poll loop, which retries.
   */
  async checkQueue(): Promise<void> {
    try {
      await this.options.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.queueUrl,
          AttributeNames: ['QueueArn'],
        }),
      );
    } catch (error) {
      if (refusedByService(error)) throw error;
      this.options.logger.warn(
        { err: error },
        'SQS did not answer at start-up; polling will retry',
      );
    }
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * More messages are on their way: the last receive came back full and there is room to take
   * more. SQS gives no cheaper sign of a deep queue (ApproximateNumberOfMessages is a request
   * of its own and lags).
   */
  get backlogged(): boolean {
    return this.running && this.lastReceiveFull && this.inFlight.size < this.options.maxInFlight;
  }

  /** When the poll loop last moved; none while it is stopped or waits (capacity, an outage). */
  pollActivity(): { readonly lastProgressAt: number } | undefined {
    return this.running && !this.pollWaiting ? { lastProgressAt: this.pollProgressAt } : undefined;
  }

  /**
   * Stops polling; resolves when the poll loop has ended (in-flight messages keep going). A
   * receive under way may finish (what it brings goes back to the queue at once) until `signal`
   * aborts: an abandoned receive can still take messages on the server, invisible to everyone
   * until their visibility timeout. Without a signal it is abandoned at once.
   */
  async stopPolling(signal: AbortSignal = AbortSignal.abort()): Promise<void> {
    this.running = false;
    const receive = this.abort;
    if (signal.aborted) receive.abort();
    else signal.addEventListener('abort', () => receive.abort(), { once: true });
    for (const wake of this.capacityWaiters.splice(0)) wake();
    await this.loop;
  }

  /**
   * Waits for in-flight messages until none is left or `signal` aborts (the shutdown deadline;
   * an aborted one returns them at once), then returns the rest to the queue: they become
   * visible again now instead of at the end of their visibility timeout.
   */
  async drain(signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.inFlight.size === 0 || signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      this.idleWaiters.push(resolve);
    });
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    // An extension still under way would land after the release and hide the messages again.
    await this.extending;
    const rest = [...this.inFlight.values()];
    this.inFlight.clear();
    await this.changeVisibility(rest, 0);
  }

  private async poll(): Promise<void> {
    const { sqs, queueUrl, logger } = this.options;
    while (this.running) {
      if (this.options.receiveGate !== undefined) {
        this.pollWaiting = true;
        await this.options.receiveGate(this.abort.signal);
        this.pollWaiting = false;
        if (!this.running) return;
      }
      // Each turn is progress: a receive answered or failed (and its pause after) since the last.
      this.pollProgressAt = Date.now();
      const room = this.options.maxInFlight - this.inFlight.size;
      if (room <= 0) {
        this.pollWaiting = true;
        await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
        this.pollWaiting = false;
        continue;
      }
      let messages: Message[];
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(room, this.options.maxMessagesPerReceive),
            // After a full receive, look again without waiting: an answer comes at once, so
            // `backlogged` never stays true through a long poll of an emptied queue.
            WaitTimeSeconds: this.lastReceiveFull ? 0 : this.options.waitTimeSeconds,
            VisibilityTimeout: this.options.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = response.Messages ?? [];
      } catch (error) {
        this.lastReceiveFull = false;
        if (!this.running) return;
        logger.warn({ err: error }, 'receiving from SQS failed; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (!this.running) return this.returnUnhandled(messages);
      this.lastReceiveFull = messages.length >= this.options.maxMessagesPerReceive;
      for (const message of messages) this.accept(message);
    }
  }

  /** Messages received as polling stopped: back to the queue at once, for whoever polls next. */
  private async returnUnhandled(messages: readonly Message[]): Promise<void> {
    const entries = messages.flatMap(({ MessageId: id = '', ReceiptHandle: receiptHandle }) =>
      receiptHandle === undefined ? [] : [{ id, receiptHandle }],
    );
    await this.changeVisibility(entries, 0).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'returning messages to the queue failed'),
    );
  }

  private accept(message: Message): void {
    const { MessageId: id, ReceiptHandle: receiptHandle } = message;
    if (id === undefined || receiptHandle === undefined) return;
    this.inFlight.set(id, { id, receiptHandle });
    void this.options
      .handle(message)
      .catch((error: unknown): MessageOutcome => {
        this.options.logger.error({ err: error, messageId: id }, 'message handler failed');
        return { kind: 'retry', backoffSeconds: 30 };
      })
      .then((outcome) => this.finish(id, outcome));
  }

  private async finish(id: string, outcome: MessageOutcome): Promise<void> {
    const entry = this.inFlight.get(id);
    if (entry === undefined) return; // returned to the queue by drain()
    try {
      if ('backoffSeconds' in outcome) await this.changeVisibility([entry], outcome.backoffSeconds);
      else await this.deleteSoon(entry);
    } catch (error) {
      // Not deleted: SQS redelivers it, and the ledger makes the second delivery a no-op.
      this.options.logger.warn(
        { err: error, messageId: id },
        'acknowledging an SQS message failed',
      );
    } finally {
      this.inFlight.delete(id);
      this.capacityWaiters.shift()?.();
      if (this.inFlight.size === 0) for (const idle of this.idleWaiters.splice(0)) idle();
    }
  }

  /**
   * A batch's files get their outcomes in one turn of the event loop: their messages are deleted
   * ten to a request, not one request each (a tenth of the SQS calls, and of their cost).
   */
  private deleteSoon(entry: InFlight): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingDeletes.push({
        entry,
        settle: (error) => (error === undefined ? resolve() : reject(error)),
      });
      if (this.pendingDeletes.length === 1) setImmediate(() => void this.deletePending());
    });
  }

  private async deletePending(): Promise<void> {
    const pending = this.pendingDeletes.splice(0);
    await Promise.all(
      chunks(pending, 10).map(async (chunk) => {
        try {
          const response = await this.options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.options.queueUrl,
              Entries: chunk.map((p, i) => ({
                Id: String(i),
                ReceiptHandle: p.entry.receiptHandle,
              })),
            }),
          );
          const failed = new Map((response.Failed ?? []).map((f) => [f.Id, f]));
          chunk.forEach((p, i) => {
            const failure = failed.get(String(i));
            p.settle(
              failure === undefined
                ? undefined
                : new Error(`DeleteMessage failed: ${failure.Code ?? ''} ${failure.Message ?? ''}`),
            );
          });
        } catch (error) {
          for (const p of chunk)
            p.settle(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  private changeVisibility(entries: readonly InFlight[], seconds: number): Promise<void> {
    return changeVisibility(this.options.sqs, this.options.queueUrl, entries, seconds);
  }

  private async extendVisibility(): Promise<void> {
    try {
      await this.changeVisibility(
        [...this.inFlight.values()],
        this.options.visibilityTimeoutSeconds,
      );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'extending message visibility failed');
    }
  }
}
