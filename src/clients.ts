/** AWS clients from configuration; one of each per process, built in main and closed at shutdown. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from './config.js';

/**
 * Without timeouts the SDK waits for ever on a connection whose peer went silent (a half-open
 * TCP connection after a NAT or load balancer dropped it): a stuck ReceiveMessage stops polling,
 * a stuck GetObject stalls its table, a stuck listing stalls the sweep and then shutdown. With
 * them a request fails after this long without a byte, and the SDK retries it on a new
 * connection.
 */
export interface ClientTimeouts {
  /** To establish a connection. */
  readonly connectMs: number;
  /** Of silence on an S3 connection. */
  readonly s3SilenceMs: number;
  /** Of silence on an SQS connection beyond the long poll's own wait (sqs.waitTimeSeconds). */
  readonly sqsSilenceMarginMs: number;
}

export const CLIENT_TIMEOUTS: ClientTimeouts = {
  connectMs: 5_000,
  s3SilenceMs: 60_000,
  sqsSilenceMarginMs: 15_000,
};

export function s3Client(config: Config, timeouts: ClientTimeouts = CLIENT_TIMEOUTS): S3Client {
  return new S3Client({
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
    ...(config.s3.endpoint === undefined ? {} : { endpoint: config.s3.endpoint }),
    requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: timeouts.s3SilenceMs },
  });
}

export function sqsClient(config: Config, timeouts: ClientTimeouts = CLIENT_TIMEOUTS): SQSClient {
  return new SQSClient({
    region: sqsRegion(config),
    ...(config.sqs.endpoint === undefined ? {} : { endpoint: config.sqs.endpoint }),
    requestHandler: {
      connectionTimeout: timeouts.connectMs,
      socketTimeout: config.sqs.waitTimeSeconds * 1000 + timeouts.sqsSilenceMarginMs,
    },
  });
}

/** The region in an AWS queue URL: https://sqs.<region>.amazonaws.com/… or the legacy form. */
export function queueUrlRegion(queueUrl: string): string | undefined {
  const host = URL.canParse(queueUrl) ? new URL(queueUrl).hostname : '';
  return (
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1] ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1]
  );
}

/** The region of the SQS client: sqs.region, else the queue URL's, else the bucket's. */
export function sqsRegion(config: Config): string {
  return config.sqs.region ?? queueUrlRegion(config.sqs.queueUrl) ?? config.s3.region;
}
