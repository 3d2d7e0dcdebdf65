/**
 * Riding out an outage of Databend or S3. Without this, every message received while a
 * dependency is down fails its batch, goes back to SQS as a `retry`, comes back, fails again…
 * and each of those receives counts against the queue's maxReceiveCount: a long outage walks
 * every waiting message to the dead-letter queue.
 *
 * Instead, a transient failure is checked against the dependencies themselves. If one does not
 * answer, the gate closes: the poll loop stops receiving, and the messages in hand are held (the
 * consumer's heartbeat keeps them invisible, so SQS counts no new receive) instead of being
 * failed. The gate probes with a doubling wait and opens by itself once every dependency
 * answers; the held messages are then handled again from the start. A failure while every
 * dependency answers is an ordinary retry.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { backoffMs } from '../lifecycle/backoff.js';
import type { MessageOutcome } from './sqs-consumer.js';

export interface OutageGateOptions {
  /** The dependencies that do not answer now (e.g. `databend`, `s3`); empty when all do. */
  readonly probe: () => Promise<readonly string[]>;
  /** Wait before the first probe of an outage; doubled after each failed probe. */
  readonly probeBackoffMs: number;
  /** Longest wait between two probes. */
  readonly probeMaxBackoffMs: number;
  readonly logger: Logger;
}

export class OutageGate {
  private down: readonly string[] = [];
  private recovery: Promise<void> | undefined;
  private waiters: ((up: boolean) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private wakeProbe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: OutageGateOptions) {}

  /** The dependencies found down, while the gate is closed. */
  get outage(): readonly string[] {
    return this.down;
  }

  /**
   * After a transient failure: probes the dependencies; when one does not answer the gate
   * closes (if it was open) and this resolves true. False: they answer, the failure is the
   * batch's own.
   */
  async confirm(): Promise<boolean> {
    if (this.stopped) return false;
    if (this.recovery !== undefined) return true;
    const down = await this.probeSafely();
    if (down.length === 0 || this.stopped) return false;
    if (this.recovery !== undefined) return true;
    this.down = down;
    this.options.logger.warn(
      { dependencies: down },
      'a dependency does not answer: receiving paused, messages in hand held until it does',
    );
    this.recovery = this.probeUntilUp();
    return true;
  }

  /**
   * Resolves true at once while the gate is open, else once it opens; false when the wait is
   * given up (`signal` aborts, `release` or `stop`).
   */
  whenUp(signal?: AbortSignal): Promise<boolean> {
    if (this.recovery === undefined) return Promise.resolve(true);
    if (this.stopped || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== settle);
        resolve(false);
      };
      const settle = (up: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(up);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(settle);
    });
  }

  /** Gives up every wait now (the messages held go back to the queue); probing goes on. */
  release(): void {
    for (const settle of this.waiters.splice(0)) settle(false);
  }

  /** Stops probing and gives up every wait (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.wakeProbe?.();
    this.release();
  }

  private async probeUntilUp(): Promise<void> {
    const { probeBackoffMs, probeMaxBackoffMs, logger } = this.options;
    const started = Date.now();
    for (let attempt = 1; !this.stopped; attempt++) {
      await new Promise<void>((resolve) => {
        this.wakeProbe = resolve;
        this.timer = setTimeout(resolve, backoffMs(attempt, probeBackoffMs, probeMaxBackoffMs));
      });
      if (this.stopped) return;
      const down = await this.probeSafely();
      if (down.length > 0) {
        this.down = down;
        continue;
      }
      logger.info(
        { outageSeconds: Math.round((Date.now() - started) / 1000) },
        'every dependency answers again: receiving resumed, held messages handled again',
      );
      this.down = [];
      this.recovery = undefined;
      for (const settle of this.waiters.splice(0)) settle(true);
      return;
    }
  }

  /** A probe that fails as a whole says nothing answers it can vouch for: all down. */
  private async probeSafely(): Promise<readonly string[]> {
    try {
      return await this.options.probe();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'probing the dependencies failed');
      return ['probe'];
    }
  }
}

/**
 * `handle`, with a transient failure during an outage held instead of returned: the message is
 * handled again from the start once the gate opens. A retry with no backoff (this replica may
 * not write any more) is never held.
 */
export function holdingThroughOutages(
  handle: (message: Message) => Promise<MessageOutcome>,
  gate: OutageGate,
): (message: Message) => Promise<MessageOutcome> {
  return async (message) => {
    for (;;) {
      let outcome: MessageOutcome;
      try {
        outcome = await handle(message);
      } catch (error) {
        if (!(await gate.confirm()) || !(await gate.whenUp())) throw error;
        continue;
      }
      if (outcome.kind !== 'retry' || outcome.backoffSeconds === 0) return outcome;
      if (!(await gate.confirm()) || !(await gate.whenUp())) return outcome;
    }
  };
}
