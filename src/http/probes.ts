/**
 * The probes of the service's dependencies: Databend and SQS decide readiness; S3 is reported
 * (bend_replicator_dependency_up) without deciding it, as the contract has it.
 *
 * The Databend probe keeps its own connection (its own server session) so it never runs inside
 * a batch's transaction, and reuses it between probes; a failed or timed-out probe drops it and
 * the next probe logs in afresh.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ReadinessCheck } from './readiness.js';

/** The part of a databend-driver `Connection` the probe uses. */
export interface ProbeConnection {
  queryRow(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/** The part of a databend-driver `Client` the probe uses. */
export interface ProbeClient {
  getConn(): Promise<ProbeConnection>;
}

export interface DatabendCheck extends ReadinessCheck {
  /** Closes the probe's connection; part of shutdown. */
  close(): Promise<void>;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `SELECT 1` on a dedicated, reused connection. */
export function databendCheck(client: ProbeClient): DatabendCheck {
  let connection: Promise<ProbeConnection> | undefined;

  const drop = (): void => {
    const stale = connection;
    connection = undefined;
    // The old session may still be busy with the timed-out query; close it without waiting.
    void stale?.then((conn) => conn.close()).catch(() => undefined);
  };

  return {
    name: 'databend',
    async probe(signal) {
      connection ??= client.getConn();
      try {
        const row = await abortable(
          connection.then((conn) => conn.queryRow('SELECT 1')),
          signal,
        );
        if (row === null || row === undefined) throw new Error('SELECT 1 returned no row');
      } catch (error) {
        drop();
        throw error;
      }
    },
    async close() {
      const current = connection;
      connection = undefined;
      if (current === undefined) return;
      try {
        await (await current).close();
      } catch {
        // The server may be gone already; there is nothing left to release.
      }
    },
  };
}

/** `GetQueueAttributes` on the work queue: the queue exists and the credentials may read it. */
export function sqsCheck(sqs: SQSClient, queueUrl: string): ReadinessCheck {
  return {
    name: 'sqs',
    async probe(signal) {
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
        { abortSignal: signal },
      );
    },
  };
}

/**
 * One key listed under the DMS folder: the bucket answers and the credentials may list it (the
 * service's IAM policy allows listing that prefix only).
 */
export function s3Check(s3: S3Client, bucket: string, bucketFolder: string): ReadinessCheck {
  const prefix = bucketFolder === '' ? '' : `${bucketFolder.replace(/\/+$/, '')}/`;
  return {
    name: 's3',
    requiredForReadiness: false,
    async probe(signal) {
      await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }), {
        abortSignal: signal,
      });
    },
  };
}
