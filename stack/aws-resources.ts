// S3 and SQS resources on moto: a bucket whose ObjectCreated notifications go to a queue, and a
// dead-letter queue that the queue's redrive policy feeds after maxReceiveCount receives.
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';

export interface AwsEndpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface QueueSetup {
  bucket: string;
  queueName: string;
  dlqName: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** Also send ObjectRemoved events (DMS emptying a table folder begins a reload). */
  removedEvents?: boolean;
}

export interface CreatedResources {
  queueUrl: string;
  dlqUrl: string;
}

export function s3Client(aws: AwsEndpoint): S3Client {
  return new S3Client({
    endpoint: aws.endpoint,
    region: aws.region,
    forcePathStyle: true,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  });
}

export function sqsClient(aws: AwsEndpoint): SQSClient {
  return new SQSClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  });
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = attrs.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${queueUrl} has no ARN`);
  return arn;
}

export async function createResources(
  aws: AwsEndpoint,
  setup: QueueSetup,
): Promise<CreatedResources> {
  const s3 = s3Client(aws);
  const sqs = sqsClient(aws);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: setup.bucket }));
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: setup.dlqName }));
    if (dlq.QueueUrl === undefined) throw new Error('CreateQueue returned no URL for the DLQ');
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: setup.queueName,
        Attributes: { VisibilityTimeout: String(setup.visibilityTimeoutSeconds) },
      }),
    );
    if (queue.QueueUrl === undefined) throw new Error('CreateQueue returned no URL');
    const dlqArn = await queueArn(sqs, dlq.QueueUrl);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queue.QueueUrl,
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: setup.maxReceiveCount,
          }),
        },
      }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: setup.bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              QueueArn: await queueArn(sqs, queue.QueueUrl),
              Events: [
                's3:ObjectCreated:*',
                ...(setup.removedEvents === true ? ['s3:ObjectRemoved:*' as const] : []),
              ],
            },
          ],
        },
      }),
    );
    return { queueUrl: queue.QueueUrl, dlqUrl: dlq.QueueUrl };
  } finally {
    s3.destroy();
    sqs.destroy();
  }
}
