// Puts files into buckets on a schedule, as DMS would, and records when each PUT completed: the
// moment S3 holds the object and sends its event, from which latency is measured.
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BenchFile } from '../workload/write-files.js';

export interface PutRecord {
  readonly key: string;
  readonly bucket: string;
  /** ms since the epoch. */
  readonly startMs: number;
  readonly doneMs: number;
  /** As S3 returned it, without quotes. */
  readonly etag: string;
  /** How late the PUT started against its schedule, ms. */
  readonly lateMs: number;
}

export interface UploadOptions {
  readonly s3: S3Client;
  readonly buckets: readonly string[];
  /** true: every file at `dueMs` after the start; false: all at once, `concurrency` at a time. */
  readonly paced: boolean;
  readonly concurrency?: number;
  readonly onPut?: (put: PutRecord) => void;
}

/** Puts every file into every bucket (the same bytes at the same moment); resolves when all are in. */
export async function upload(
  files: readonly BenchFile[],
  options: UploadOptions,
): Promise<PutRecord[]> {
  const records: PutRecord[] = [];
  const started = Date.now();
  const putOne = async (file: BenchFile): Promise<void> => {
    const body = await readFile(file.path);
    await Promise.all(
      options.buckets.map(async (bucket) => {
        const startMs = Date.now();
        const answer = await options.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: file.key,
            Body: body,
            ContentType: 'application/octet-stream',
          }),
        );
        const record: PutRecord = {
          key: file.key,
          bucket,
          startMs,
          doneMs: Date.now(),
          etag: (answer.ETag ?? '').replace(/"/g, ''),
          lateMs: options.paced ? Math.max(0, startMs - (started + file.dueMs)) : 0,
        };
        records.push(record);
        options.onPut?.(record);
      }),
    );
  };

  if (!options.paced) {
    const queue = [...files];
    const workers = Array.from({ length: options.concurrency ?? 8 }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) await putOne(file);
    });
    await Promise.all(workers);
    return records;
  }

  const ordered = [...files].sort((a, b) => a.dueMs - b.dueMs);
  const inFlight = new Set<Promise<void>>();
  const failures: unknown[] = [];
  for (const file of ordered) {
    if (failures.length > 0) break;
    const wait = started + file.dueMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // PUTs overlap when one takes longer than the interval: the schedule is the source's, not S3's.
    const put: Promise<void> = putOne(file)
      .catch((error: unknown) => {
        failures.push(error);
      })
      .finally(() => inFlight.delete(put));
    inFlight.add(put);
  }
  await Promise.all(inFlight);
  if (failures.length > 0) throw failures[0];
  return records;
}
