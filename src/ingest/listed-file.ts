/**
 * A listed object as a file the pipeline can load: the same S3FileRef an event would carry (its
 * listing time standing in for the event time) and its place in the DMS layout. Pure.
 */
import type { Config } from '../config.js';
import type { ListedObject } from './bucket-lister.js';
import { pendingFileOf, type PendingFile } from './pending-file.js';
import type { S3FileRef } from '../files/file-ref.js';

/** The eventName of a file found by a listing rather than announced by an event. */
export const LISTED_EVENT_NAME = 'ListObjectsV2';

export function listedRef(bucket: string, object: ListedObject): S3FileRef {
  return {
    bucket,
    key: object.key,
    etag: object.etag,
    size: object.size,
    // When S3 finished writing it: the event time it would have had.
    eventTime: object.lastModified,
    eventName: LISTED_EVENT_NAME,
  };
}

/** The object as a pending file; undefined when its key is outside the DMS layout. */
export function listedFile(config: Config, object: ListedObject): PendingFile | undefined {
  const routed = pendingFileOf(config, listedRef(config.s3.bucket, object));
  return routed.ok ? routed.file : undefined;
}
