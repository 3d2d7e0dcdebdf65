/** The SQS facts `validate` and `status` print: the redrive policy, its DLQ, message counts. */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

/** Parses the queue's RedrivePolicy attribute (JSON; maxReceiveCount may be a string). */
export function parseRedrivePolicy(text: string | undefined): RedrivePolicy | undefined {
  if (text === undefined || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  const count = Number(maxReceiveCount);
  if (typeof deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1)
    return undefined;
  return { deadLetterTargetArn, maxReceiveCount: count };
}

/** `arn:aws:sqs:<region>:<account>:<name>` → its name and owner account. */
export function queueOfArn(arn: string): { name: string; account: string } | undefined {
  const parts = arn.split(':');
  const [prefix, , service, , account, name] = parts;
  if (parts.length !== 6 || prefix !== 'arn' || service !== 'sqs') return undefined;
  if (account === undefined || name === undefined || name === '') return undefined;
  return { name, account };
}

export interface QueueFacts {
  readonly arn: string;
  readonly redrive: RedrivePolicy | undefined;
  readonly redriveText: string | undefined;
  readonly waiting: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueFacts(sqs: SQSClient, queueUrl: string): Promise<QueueFacts> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'QueueArn',
        'RedrivePolicy',
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    arn: a.QueueArn ?? '',
    redrive: parseRedrivePolicy(a.RedrivePolicy),
    redriveText: a.RedrivePolicy,
    waiting: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** The URL of the queue behind an ARN (the dead-letter queue of a redrive policy). */
export async function queueUrlOfArn(sqs: SQSClient, arn: string): Promise<string> {
  const queue = queueOfArn(arn);
  if (queue === undefined) throw new Error(`${arn} is not an SQS queue ARN`);
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: queue.name, QueueOwnerAWSAccountId: queue.account }),
  );
  if (QueueUrl === undefined) throw new Error(`no URL for ${arn}`);
  return QueueUrl;
}
