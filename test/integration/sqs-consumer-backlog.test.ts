// The consumer tells a deep queue from a shallow one by whether its receives come back full, and
// an emptied queue ends the backlog at once instead of after a 20-second long poll.
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SqsConsumer, type MessageOutcome } from '../../src/ingest/sqs-consumer.js';
import { waitFor } from '../support/schema-scenario.js';
import { sqs as sqsClient, uniqueName } from '../support/stack.js';

describe('SqsConsumer backlog', () => {
  it('is backlogged while receives come back full and not once the queue is drained', async () => {
    const sqs = sqsClient();
    const { QueueUrl: queueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('backlog') }),
    );
    if (queueUrl === undefined) throw new Error('no queue URL');
    // Two full receives' worth: the third receive, a short poll, finds the queue empty.
    for (let batch = 0; batch < 2; batch++) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: String(i),
            MessageBody: `m${batch}-${i}`,
          })),
        }),
      );
    }
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
});
