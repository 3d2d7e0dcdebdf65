/**
 * Footer reads for BatchLoader, limited in number at once, and read ahead while files wait for
 * their batch: the batch then finds the footer read instead of spending a round of GETs before
 * its transaction.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import PQueue from 'p-queue';
import { fileId } from '../files/file-ref.js';
import { retry, type FileResult } from './file-outcome.js';
import { inspectFile, isOutcome, type InspectedFile } from './file-inspection.js';
import type { PendingFile } from './pending-file.js';

/** Footer reads (ranged GETs) at once, read-ahead and batches together. */
const FOOTER_READS_AT_ONCE = 16;
/** Most footers read ahead and not yet taken by a batch; past it, files are read at batch time. */
const MAX_READ_AHEAD = 4_096;

export class FooterReads {
  private readonly queue = new PQueue({ concurrency: FOOTER_READS_AT_ONCE });
  /** Footers read ahead by fileId, until a batch takes them. */
  private readonly readAhead = new Map<string, Promise<InspectedFile | FileResult>>();

  constructor(private readonly s3: S3Client) {}

  /** Starts reading the file's footer now, unless it is read already or too many wait. */
  prefetch(file: PendingFile): void {
    const id = fileId(file.ref);
    if (this.readAhead.has(id) || this.readAhead.size >= MAX_READ_AHEAD) return;
    this.readAhead.set(id, this.read(file));
  }

  /** The footer read ahead for this file, or read now; a read-ahead that failed is read again. */
  async take(file: PendingFile): Promise<InspectedFile | FileResult> {
    const id = fileId(file.ref);
    const readAhead = this.readAhead.get(id);
    this.readAhead.delete(id);
    const result = readAhead === undefined ? undefined : await readAhead;
    if (result === undefined || ('kind' in result && result.kind === 'retry'))
      return this.read(file);
    return result;
  }

  /** The files whose footers allow loading; the others are settled with the footer's verdict. */
  async takeReady(
    files: readonly PendingFile[],
    outcomes: Map<string, FileResult>,
  ): Promise<InspectedFile[]> {
    const inspected = await Promise.all(files.map((file) => this.take(file)));
    const ready: InspectedFile[] = [];
    files.forEach((file, i) => {
      const result = inspected[i];
      if (result === undefined) return;
      if (isOutcome(result)) outcomes.set(fileId(file.ref), result);
      else ready.push(result);
    });
    return ready;
  }

  /** inspectFile() within the limit on concurrent reads; never rejects. */
  private async read(file: PendingFile): Promise<InspectedFile | FileResult> {
    try {
      return await this.queue.add(() => inspectFile(this.s3, file));
    } catch (error) {
      return retry(`reading the footer failed: ${(error as Error).message}`);
    }
  }
}
