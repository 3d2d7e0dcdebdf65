/**
 * A LOAD file skipped because its object was replaced or deleted before it loaded: the old
 * generation's event, still queued when DMS wrote the new generation. It begins a reload even
 * when the ledger never held the old version (the service was behind), so S3 says when the old
 * generation ended: the replacing object's LastModified or, for a deleted object
 * (`DROP_AND_CREATE`), the announced object's own event time: every LOAD object listed since
 * then belongs to the new generation, as DROP_AND_CREATE leaves none of the old one.
 */
import { fileId } from '../files/file-ref.js';
import type { BucketLister, ListedObject } from './bucket-lister.js';
import type { FileResult } from './file-outcome.js';
import type { PendingFile } from './pending-file.js';

export interface SupersededLoad {
  readonly endedAt: Date;
  readonly why: string;
}

export async function supersededLoad(
  lister: Pick<BucketLister, 'pages'>,
  files: readonly PendingFile[],
  outcomes: ReadonlyMap<string, FileResult>,
): Promise<SupersededLoad | undefined> {
  const skipped = files.filter(
    (f) => f.key.kind === 'load' && outcomes.get(fileId(f.ref))?.kind === 'ignored',
  );
  for (const file of skipped) {
    let current: ListedObject | undefined;
    for await (const page of lister.pages({ prefix: file.ref.key }))
      current ??= page.find((o) => o.key === file.ref.key);
    if (current?.etag === file.ref.etag) continue;
    return current === undefined
      ? { endedAt: file.ref.eventTime, why: 'a queued LOAD file was deleted' }
      : { endedAt: current.lastModified, why: 'a queued LOAD file was replaced' };
  }
  return undefined;
}
