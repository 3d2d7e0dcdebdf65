// The running service the bad-input catalogue feeds: its bucket, queue, log lines and /metrics.
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from 'databend-driver';
import type { Config } from '../../../src/config.js';
import { FaultProxy } from '../../chaos/fault-proxy.js';
import { s3EventBody } from '../../chaos/message-echo.js';
import type { ServiceProcess } from '../../chaos/service-process.js';
import type { IsolatedPipe } from '../stack.js';

/** One outcome line of the service's log (`message done|ignored|retry|poison`). */
export interface OutcomeLine {
  readonly outcome: string;
  readonly reason: string;
  readonly key: string | undefined;
  readonly table: string | undefined;
  readonly text: string;
}

export interface Observation {
  /** done | ignored | retry | poison, or what a configuration did. */
  readonly outcome: string;
  /** The log line that says so ('' when none came). */
  readonly line: string;
  /** Whether the counter named by the case went up. */
  readonly counted: boolean;
  /** Anything else the case checks, as sentences; empty when all is well. */
  readonly problems: readonly string[];
}

export interface WorldParts {
  readonly config: Config;
  readonly pipe: IsolatedPipe;
  readonly service: ServiceProcess;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly conn: Connection;
  readonly databendProxy: FaultProxy;
}

/** Prometheus label values escape `\`, `"` and newlines. */
export function series(name: string, labels: Record<string, string> = {}): string {
  const text = Object.entries(labels)
    .map(
      ([k, v]) =>
        `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`,
    )
    .join(',');
  return text === '' ? name : `${name}{${text}}`;
}

export const outcomes = (outcome: string): string =>
  series('bend_replicator_message_outcomes_total', { outcome });
export const filesLoaded = (table: string): string =>
  series('bend_replicator_files_loaded_total', { table });

export class World {
  constructor(readonly parts: WorldParts) {}

  get config(): Config {
    return this.parts.config;
  }

  get bucket(): string {
    return this.parts.pipe.bucket;
  }

  /** Only keys under these prefixes notify SQS; the rest get the events a case sends itself. */
  async notifyOnly(prefixes: readonly string[]): Promise<void> {
    const arn = (
      await this.parts.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.parts.pipe.queueUrl,
          AttributeNames: ['QueueArn'],
        }),
      )
    ).Attributes?.QueueArn;
    await this.parts.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: this.bucket,
        NotificationConfiguration: {
          QueueConfigurations: prefixes.map((prefix) => ({
            QueueArn: arn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          })),
        },
      }),
    );
  }

  /** Puts an object; S3 notifies only under the notified prefixes. */
  async put(key: string, body: Buffer | string): Promise<{ etag: string; size: number }> {
    const answer = await this.parts.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }),
    );
    return { etag: (answer.ETag ?? '').replaceAll('"', ''), size: Buffer.byteLength(body) };
  }

  async delete(key: string): Promise<void> {
    await this.parts.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async send(body: string): Promise<void> {
    await this.parts.sqs.send(
      new SendMessageCommand({ QueueUrl: this.parts.pipe.queueUrl, MessageBody: body }),
    );
  }

  /** Puts a file under a key that does not notify, and sends its S3 event. */
  async putAndAnnounce(
    key: string,
    body: Buffer | string,
  ): Promise<{ etag: string; size: number }> {
    const put = await this.put(key, body);
    await this.send(s3EventBody({ bucket: this.bucket, key, ...put }));
    return put;
  }

  /** The ETag S3 gives a single-part upload of these bytes. */
  static etagOf(body: Buffer | string): string {
    return createHash('md5').update(body).digest('hex');
  }

  async metrics(): Promise<Map<string, number>> {
    const url = this.metricsUrl();
    const text = await (await fetch(url)).text();
    const values = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line === '') continue;
      const at = line.lastIndexOf(' ');
      values.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return values;
  }

  private metricsUrl(): string {
    for (const line of this.parts.service.lines) {
      if (!line.includes('"bend-replicator is running"')) continue;
      const parsed = JSON.parse(line) as { metrics?: string };
      if (parsed.metrics !== undefined) return parsed.metrics.replace('0.0.0.0', '127.0.0.1');
    }
    throw new Error('the service has not said where /metrics is');
  }

  /** Outcome lines logged from `since` (an index into the service's lines) on. */
  outcomeLines(since: number): OutcomeLine[] {
    const found: OutcomeLine[] = [];
    for (const text of this.parts.service.linesSince(since)) {
      if (!text.includes('"message ')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      const msg = String(line.msg);
      if (!msg.startsWith('message ')) continue;
      found.push({
        outcome: msg.slice('message '.length),
        reason: typeof line.reason === 'string' ? line.reason : '',
        key: typeof line.key === 'string' ? line.key : undefined,
        table: typeof line.table === 'string' ? line.table : undefined,
        text,
      });
    }
    return found;
  }

  /** The index the next log line will have: cases look for their lines after it. */
  get mark(): number {
    return this.parts.service.lineCount;
  }

  /** Waits for an outcome line that `match` accepts; undefined after the timeout. */
  async waitForOutcome(
    since: number,
    match: (line: OutcomeLine) => boolean,
    timeoutMs = 30_000,
  ): Promise<OutcomeLine | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.outcomeLines(since).find(match);
      if (line !== undefined || Date.now() > deadline) return line;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * The common shape of a case: inject, wait for the outcome line `match` accepts, and see
   * whether `counter` went up meanwhile.
   */
  async observe(options: {
    inject: () => Promise<void>;
    match: (line: OutcomeLine) => boolean;
    counter: string;
    timeoutMs?: number;
    then?: () => Promise<string[]>;
  }): Promise<Observation> {
    const before = (await this.metrics()).get(options.counter) ?? 0;
    const since = this.mark;
    await options.inject();
    const line = await this.waitForOutcome(since, options.match, options.timeoutMs);
    const after = (await this.metrics()).get(options.counter) ?? 0;
    const problems = options.then === undefined ? [] : await options.then();
    return {
      outcome: line?.outcome ?? 'no outcome logged',
      line: line === undefined ? '' : summarize(line),
      counted: after > before,
      problems,
    };
  }

  /** Messages in the dead-letter queue, polled until there are `count` or the time is up. */
  async waitForDeadLetters(count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const attrs = await this.parts.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.parts.pipe.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const found = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (found >= count || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }

  async scalar(sql: string): Promise<string> {
    const row = await this.parts.conn.queryRow(sql);
    return String(row?.values()[0]);
  }
}

export function summarize(line: OutcomeLine): string {
  return `message ${line.outcome}: ${line.reason}`;
}
