/** SQS requests the consumer makes, and how to tell a refusal from an outage. */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** An error SQS answered with a 4xx that is not throttling: the request can never succeed. */
export function refusedByService(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as { name?: unknown }).name;
  return (
    status !== undefined &&
    status >= 400 &&
    status < 500 &&
    !/throttl|limit/i.test(typeof name === 'string' ? name : '')
  );
}

/** SQS batch requests take ten entries at the most. */
export const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, i * size + size),
  );

/**
 * Makes received messages visible again after `seconds` (0: at once): one request for one
 * message, batch requests of ten for more.
 */
export async function changeVisibility(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly { readonly receiptHandle: string }[],
  seconds: number,
): Promise<void> {
  if (entries.length === 1 && entries[0] !== undefined) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: entries[0].receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    return;
  }
  for (const chunk of chunks(entries, 10)) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((e, i) => ({
          Id: String(i),
          ReceiptHandle: e.receiptHandle,
          VisibilityTimeout: seconds,
        })),
      }),
    );
  }
}
