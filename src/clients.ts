/** AWS clients from configuration; one of each per process, built in main and closed at shutdown. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from './config.js';

export function s3Client(config: Config): S3Client {
  return new S3Client({
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
    ...(config.s3.endpoint === undefined ? {} : { endpoint: config.s3.endpoint }),
  });
}

export function sqsClient(config: Config): SQSClient {
  return new SQSClient({
    region: config.s3.region,
    ...(config.s3.endpoint === undefined ? {} : { endpoint: config.s3.endpoint }),
  });
}
