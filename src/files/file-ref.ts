/**
 * An S3 object announced for loading, and its identity. Events, listings, held files and the
 * ledger all speak of files this way, so the type sits below every folder that uses it.
 */

export interface S3FileRef {
  bucket: string;
  /** Decoded object key, ready for GetObject and COPY. */
  key: string;
  /** ETag without surrounding quotes; `<md5>-<parts>` for multipart uploads. */
  etag: string;
  size: number;
  /** When S3 finished the request (the event's time). */
  eventTime: Date;
  /** e.g. `ObjectCreated:Put`, or `Object Created` for EventBridge. */
  eventName: string;
  sequencer?: string;
  versionId?: string;
}

/** A file is its bucket, key and ETag: the same key with a new ETag is a new file. */
export function fileId(ref: Pick<S3FileRef, 'bucket' | 'key' | 'etag'>): string {
  return `${ref.bucket}\u0000${ref.key}\u0000${ref.etag}`;
}
