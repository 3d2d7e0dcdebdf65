/** A file waiting to be loaded: the S3 object an event (or a listing) announced, and where it sits. */
import type { Config } from '../config.js';
import type { S3FileRef } from '../files/file-ref.js';
import { fileRank } from '../merge/seq.js';
import { parseKey, type DmsFileKey } from '../files/key-layout.js';
import { routeTable, type TableRoute } from './table-routes.js';

export interface PendingFile {
  readonly ref: S3FileRef;
  readonly key: DmsFileKey;
  readonly route: TableRoute;
  readonly rank: string;
}

export function pendingFile(ref: S3FileRef, key: DmsFileKey, route: TableRoute): PendingFile {
  return { ref, key, route, rank: fileRank(key) };
}

/**
 * The object as a pending file: its key parsed in the DMS layout and routed to its table. The
 * reason instead when the key is outside the layout.
 */
export function pendingFileOf(
  config: Pick<Config, 's3' | 'tables'>,
  ref: S3FileRef,
):
  | { readonly ok: true; readonly file: PendingFile }
  | { readonly ok: false; readonly reason: string } {
  const layout = parseKey(ref.key, { bucketFolder: config.s3.bucketFolder });
  if (!layout.ok) return layout;
  const route = routeTable(config.tables, layout.file.schema, layout.file.table);
  return { ok: true, file: pendingFile(ref, layout.file, route) };
}

/** DMS order: full-load files before CDC files, each by name (fileRank encodes both). */
export function byDmsOrder(a: PendingFile, b: PendingFile): number {
  return a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0;
}
