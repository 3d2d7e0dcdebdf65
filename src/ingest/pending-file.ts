/** A file waiting to be loaded: the S3 object an event (or a listing) announced, and where it sits. */
import type { DmsFileKey } from './key-layout.js';
import type { S3FileRef } from '../files/file-ref.js';
import type { TableRoute } from './table-routes.js';
import { fileRank } from '../merge/seq.js';

export interface PendingFile {
  readonly ref: S3FileRef;
  readonly key: DmsFileKey;
  readonly route: TableRoute;
  readonly rank: string;
}

export function pendingFile(ref: S3FileRef, key: DmsFileKey, route: TableRoute): PendingFile {
  return { ref, key, route, rank: fileRank(key) };
}

/** DMS order: full-load files before CDC files, each by name (fileRank encodes both). */
export function byDmsOrder(a: PendingFile, b: PendingFile): number {
  return a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0;
}
