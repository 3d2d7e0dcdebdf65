import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FolderRemoval } from '../dms/removals.js';
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
  /**
   * Folders DMS deletes (`Simulation.removals`): each removal's keys are deleted after every
   * file created before it was put, and before any file created after it.
   */
  readonly removals?: readonly FolderRemoval[];
  /** Called after each delete of a removal. */
  readonly onRemove?: (key: string) => void;
  /**
   * Puts no file before its creation time, and deletes no folder before its removal time, on
   * this machine's clock: as DMS writes them. For a simulation whose startTime is about now, so
   * S3's LastModified and event times agree with the files' names and rows.
   */
  readonly realTime?: boolean;
}

/**
 * Puts the files into the bucket (so the bucket's notifications fire), following
 * `planDelivery`: in creation order unless the knobs say otherwise.
 */
export async function deliverFiles(
  files: readonly WrittenFile[],
  options: DeliverOptions,
): Promise<DeliveredPut[]> {
  const removals = [...(options.removals ?? [])].sort((a, b) => a.at - b.at);
  const puts: DeliveredPut[] = [];
  let from = -Infinity;
  for (let segment = 0; segment <= removals.length; segment++) {
    const removal = removals[segment];
    const until = removal?.at ?? Infinity;
    const part = files.filter((w) => w.file.createdAt >= from && w.file.createdAt < until);
    const knobs = segment === 0 ? options : { ...options, seed: (options.seed ?? 1) + segment };
    puts.push(...(await deliverSegment(part, knobs)));
    if (removal !== undefined) {
      if (options.realTime === true) await waitUntil(removal.at / 1000);
      for (const key of removal.keys) {
        await options.client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
        options.onRemove?.(key);
      }
    }
    from = until;
  }
  return puts;
}

async function waitUntil(wallMs: number): Promise<void> {
  const wait = wallMs - Date.now();
  if (wait > 0) await sleep(wait);
}

/** Puts one stretch of files (between two folder removals) as `planDelivery` orders them. */
async function deliverSegment(
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
    await waitUntil(started + step.atMs);
    if (options.realTime === true) await waitUntil(step.file.written.file.createdAt / 1000);
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
