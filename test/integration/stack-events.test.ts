// The bucket's ObjectCreated notifications reach the queue, and redrive moves poison messages to the DLQ.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipe, loadStackEnv, s3, sqs, uniqueName } from '../support/stack.js';

const stack = loadStackEnv();
const queue = sqs(stack);
const bucket = s3(stack);

afterAll(() => {
  queue.destroy();
  bucket.destroy();
});

/** Receives until a message matches; messages of other tests are made visible again at once. */
async function receiveMatching(
  client: SQSClient,
  queueUrl: string,
  match: (m: Message) => boolean,
  timeoutMs = 20_000,
): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 5,
      }),
    );
    for (const message of Messages) {
      if (match(message)) return message;
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
  }
  throw new Error('no matching message arrived');
}

describe('S3 notifications to SQS', () => {
  it('delivers an ObjectCreated event for a PUT', async () => {
    const pipe = await isolatedPipe('events');
    const key = `shop/order items/LOAD00000001.parquet`;
    await bucket.send(new PutObjectCommand({ Bucket: pipe.bucket, Key: key, Body: 'PAR1' }));
    const message = await receiveMatching(
      queue,
      pipe.queueUrl,
      (m) => m.Body?.includes('ObjectCreated') ?? false,
    );
    const record = (
      JSON.parse(message.Body ?? '{}') as {
        Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
      }
    ).Records[0];
    expect(record?.eventName).toMatch(/^ObjectCreated:/);
    expect(record?.s3.bucket.name).toBe(pipe.bucket);
    expect(decodeURIComponent(record?.s3.object.key.replace(/\+/g, ' ') ?? '')).toBe(key);
    await queue.send(
      new DeleteMessageCommand({ QueueUrl: pipe.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
  });

  it('moves a message received more than maxReceiveCount times to the dead-letter queue', async () => {
    const pipe = await isolatedPipe('redrive', 2);
    const marker = uniqueName('poison');
    await queue.send(new SendMessageCommand({ QueueUrl: pipe.queueUrl, MessageBody: marker }));
    for (let receive = 0; receive < pipe.maxReceiveCount; receive++) {
      const message = await receiveMatching(queue, pipe.queueUrl, (m) => m.Body === marker);
      await queue.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: pipe.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    // The receive after the last allowed one finds the message gone: redrive moved it.
    const { Messages = [] } = await queue.send(
      new ReceiveMessageCommand({ QueueUrl: pipe.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(Messages.map((m) => m.Body)).not.toContain(marker);
    const dead = await receiveMatching(queue, pipe.dlqUrl, (m) => m.Body === marker);
    expect(dead.Body).toBe(marker);
  });
});
