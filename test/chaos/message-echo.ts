/**
 * Duplicated and reordered deliveries at the SQS level: for a share of the files put into the
 * bucket, a second notification is sent straight to the queue some random time later — as a
 * plain S3 event, wrapped in SNS, or as an EventBridge event — so it lands after other files'
 * events, after the service was killed, or after the file was already loaded.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Rng } from '../../sim/random.js';

export interface EchoedPut {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** The S3 event key encoding: form-URL-encoded, as S3 sends it. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%20', '+');
}

export function s3EventBody(put: EchoedPut, time = new Date()): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: time.toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: put.bucket },
          object: { key: encodeEventKey(put.key), size: put.size, eTag: put.etag },
        },
      },
    ],
  });
}

export function snsWrapped(body: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '00000000-0000-0000-0000-000000000000',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:dms-events',
    Message: body,
    Timestamp: new Date().toISOString(),
  });
}

export function eventBridgeBody(put: EchoedPut, time = new Date()): string {
  return JSON.stringify({
    version: '0',
    id: '00000000-0000-0000-0000-000000000000',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: time.toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${put.bucket}`],
    detail: {
      version: '0',
      bucket: { name: put.bucket },
      // EventBridge carries the key as it is.
      object: { key: put.key, size: put.size, etag: put.etag },
      reason: 'PutObject',
    },
  });
}

export interface MessageEchoOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly seed: number;
  /** Share of puts that get a second notification. */
  readonly probability: number;
  /** The second notification is sent up to this long after the put. */
  readonly maxDelayMs: number;
}

export class MessageEcho {
  private readonly rng: Rng;
  private readonly pending = new Set<Promise<void>>();
  /** Scheduled echoes: their timers and what each sends. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  sent = 0;
  failed = 0;

  constructor(private readonly options: MessageEchoOptions) {
    this.rng = new Rng(options.seed).fork('message-echo');
  }

  /** Called for every put; maybe schedules its echo. */
  onPut(put: EchoedPut): void {
    if (!this.rng.chance(this.options.probability)) return;
    const delay = this.rng.int(0, this.options.maxDelayMs);
    const shape = this.rng.pick(['s3', 's3', 'sns', 'eventbridge'] as const);
    const body =
      shape === 'eventbridge'
        ? eventBridgeBody(put)
        : shape === 'sns'
          ? snsWrapped(s3EventBody(put))
          : s3EventBody(put);
    const send = (): void => {
      const sending = this.options.sqs
        .send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: body }))
        .then(
          () => {
            this.sent++;
          },
          () => {
            this.failed++;
          },
        )
        .finally(() => this.pending.delete(sending));
      this.pending.add(sending);
    };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, delay);
    this.timers.set(timer, send);
  }

  /** Sends every scheduled echo now (the run is ending) and waits for them. */
  async flush(): Promise<void> {
    for (const [timer, send] of [...this.timers]) {
      clearTimeout(timer);
      this.timers.delete(timer);
      send();
    }
    await Promise.all([...this.pending]);
  }
}
