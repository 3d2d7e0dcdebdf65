// The consumer against moto's SQS: it tells a deep queue from a shallow one by whether its
// receives come back full (an emptied queue ends the backlog at once instead of after a 20-second
// long poll), deletes the messages finished together ten to a request, and receives nothing
// while its outage gate is closed.
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SqsConsumer, type MessageOutcome } from '../../src/ingest/sqs-consumer.js';
import { waitFor } from '../support/wait.js';
import { countRequests, sqs as sqsClient, uniqueName } from '../support/stack.js';

async function queueWith(sqs: SQSClient, messages: number): Promise<string> {
  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: uniqueName('consumer') }),
  );
  if (queueUrl === undefined) throw new Error('no queue URL');
  for (let sent = 0; sent < messages; sent += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: Math.min(10, messages - sent) }, (_, i) => ({
          Id: String(i),
          MessageBody: `m${sent + i}`,
        })),
      }),
    );
  }
  return queueUrl;
}

describe('SqsConsumer', () => {
  it('is backlogged while receives come back full and not once the queue is drained', async () => {
    const sqs = sqsClient();
    // Two full receives' worth: the third receive, a short poll, finds the queue empty.
    const queueUrl = await queueWith(sqs, 20);
    const seenBacklogged: boolean[] = [];
    const consumer: SqsConsumer = new SqsConsumer({
      sqs,
      queueUrl,
      waitTimeSeconds: 20,
      maxMessagesPerReceive: 10,
      visibilityTimeoutSeconds: 60,
      visibilityHeartbeatSeconds: 30,
      maxInFlight: 100,
      // Outcomes stay open, so every message counts as in flight until the test ends.
      handle: () => {
        seenBacklogged.push(consumer.backlogged);
        return new Promise<MessageOutcome>(() => undefined);
      },
      logger: pino({ level: 'silent' }),
    });
    consumer.start();
    try {
      await waitFor('all 20 messages received', () =>
        Promise.resolve(seenBacklogged.length === 20 ? true : undefined),
      );
      // Every message came in a full receive: the consumer knew more could be coming.
      expect(seenBacklogged).toEqual(Array.from({ length: 20 }, () => true));
      // Well inside the 20-second long poll the queue's emptiness would otherwise hide behind.
      await waitFor(
        'the backlog to end',
        () => Promise.resolve(!consumer.backlogged ? true : undefined),
        5_000,
      );
    } finally {
      await consumer.stopPolling();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      sqs.destroy();
    }
  });

  it('deletes messages finished in one turn ten to a request, and each of them', async () => {
    const sqs = sqsClient();
    const queueUrl = await queueWith(sqs, 25);
    const deletes = countRequests(sqs, 'DeleteMessageBatchCommand');
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let received = 0;
    const consumer = new SqsConsumer({
      sqs,
      queueUrl,
      waitTimeSeconds: 1,
      maxMessagesPerReceive: 10,
      visibilityTimeoutSeconds: 60,
      visibilityHeartbeatSeconds: 30,
      maxInFlight: 100,
      // Like a batch's files: every outcome is settled in the same turn.
      handle: async () => {
        received++;
        await released;
        return { kind: 'done' };
      },
      logger: pino({ level: 'silent' }),
    });
    consumer.start();
    try {
      await waitFor('all 25 messages received', () =>
        Promise.resolve(received === 25 ? true : undefined),
      );
      release();
      await waitFor('every message finished', () =>
        Promise.resolve(consumer.inFlightCount === 0 ? true : undefined),
      );
      expect(deletes.count()).toBe(3);
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(attributes.Attributes).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    } finally {
      await consumer.stopPolling();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      sqs.destroy();
    }
  });
});

describe('SqsConsumer during an outage', () => {
  it('receives nothing while its gate is closed and holds what it has invisible, then goes on', async () => {
    const sqs = sqsClient();
    const queueUrl = await queueWith(sqs, 1);
    let open: (() => void) | undefined;
    let closed = false;
    const handled: string[] = [];
    const receives = countRequests(sqs, 'ReceiveMessageCommand');
    const consumer = new SqsConsumer({
      sqs,
      queueUrl,
      waitTimeSeconds: 1,
      maxMessagesPerReceive: 10,
      visibilityTimeoutSeconds: 10,
      visibilityHeartbeatSeconds: 2,
      maxInFlight: 100,
      // The first message's handling finds the dependency down: the gate closes and the message
      // is held (its outcome stays open) until the gate opens.
      handle: async (message) => {
        handled.push(message.Body ?? '');
        if (handled.length === 1) {
          closed = true;
          await new Promise<void>((resolve) => (open = resolve));
          closed = false;
        }
        return { kind: 'done' };
      },
      receiveGate: async (signal) => {
        while (closed && !signal.aborted) await new Promise((r) => setTimeout(r, 50));
      },
      logger: pino({ level: 'silent' }),
    });
    consumer.start();
    try {
      await waitFor('the first message handled', () =>
        Promise.resolve(handled.length === 1 ? true : undefined),
      );
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: '0', MessageBody: 'during' }],
        }),
      );
      const before = receives.count();
      // Longer than the visibility timeout: the heartbeat keeps the held message invisible.
      await new Promise((r) => setTimeout(r, 12_000));
      expect(receives.count() - before).toBe(0);
      expect(handled).toEqual(['m0']);
      const { Attributes: a = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      // The message sent during the outage waits in the queue; the held one stays invisible.
      expect(a).toEqual({
        ApproximateNumberOfMessages: '1',
        ApproximateNumberOfMessagesNotVisible: '1',
      });

      open?.();
      await waitFor('the message sent during the outage handled', () =>
        Promise.resolve(handled.length === 2 ? true : undefined),
      );
      expect(handled).toEqual(['m0', 'during']);
    } finally {
      await consumer.stopPolling();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      sqs.destroy();
    }
  }, 60_000);
});
