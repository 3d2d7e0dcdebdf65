import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { WrittenFile } from '../parquet/write.js';
import { planDelivery, type DeliveryKnobs } from './delivery-plan.js';

export interface S3Target {
  /** e.g. the stack's AWS_ENDPOINT_URL; omit for real AWS. */
  readonly endpoint?: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
}

/** A client for the target; path-style addressing, which moto (and MinIO) need. */
export function s3ClientFor(target: S3Target): S3Client {
  return new S3Client({
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
}

export interface DeliveredPut {
  readonly key: string;
  readonly version: number;
  readonly duplicate: boolean;
  /** As S3 returned it, without quotes. */
  readonly eTag: string;
  readonly bytes: number;
}

export interface DeliverOptions extends DeliveryKnobs {
  readonly client: S3Client;
  readonly bucket: string;
  /** Called after each put, e.g. for progress output. */
  readonly onPut?: (put: DeliveredPut) => void;
}

/**
 * Puts the files into the bucket (so the bucket's notifications fire), following
 * `planDelivery`: in creation order unless the knobs say otherwise.
 */
export async function deliverFiles(
  files: readonly WrittenFile[],
  options: DeliverOptions,
): Promise<DeliveredPut[]> {
  const plan = planDelivery(
    files.map((w) => ({ key: w.file.key, version: w.file.version, written: w })),
    options,
  );
  const started = Date.now();
  const puts: DeliveredPut[] = [];
  for (const step of plan) {
    const wait = started + step.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    const body = await readFile(step.file.written.path);
    const answer = await options.client.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: step.file.key,
        Body: body,
        ContentType: 'application/octet-stream',
      }),
    );
    const put: DeliveredPut = {
      key: step.file.key,
      version: step.file.version,
      duplicate: step.duplicate,
      eTag: (answer.ETag ?? '').replace(/"/g, ''),
      bytes: body.length,
    };
    puts.push(put);
    options.onPut?.(put);
  }
  return puts;
}
