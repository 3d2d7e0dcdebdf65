/**
 * Byte-range readers for the footer reader: an S3 object (GetObject with Range, pinned to one ETag
 * when given) and a local file (fixtures, dry runs).
 */

import { open } from 'node:fs/promises';
import { GetObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { RangeReader } from './parquet-footer.js';

export type ObjectMissingReason = 'not-found' | 'etag-changed';

/** The object is gone, or no longer the version (ETag) that was announced. */
export class ObjectMissingError extends Error {
  override readonly name = 'ObjectMissingError';
  readonly bucket: string;
  readonly key: string;
  readonly reason: ObjectMissingReason;

  constructor(
    bucket: string,
    key: string,
    reason: ObjectMissingReason,
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'not-found'
        ? `s3://${bucket}/${key} does not exist`
        : `s3://${bucket}/${key} no longer has the expected ETag (it was replaced)`,
      options,
    );
    this.bucket = bucket;
    this.key = key;
    this.reason = reason;
  }
}

/**
 * Reads ranges of s3://bucket/key. With `etag`, every read carries If-Match, so all ranges come
 * from that one version of the object; a replaced object fails with ObjectMissingError instead of
 * mixing bytes of two files.
 */
export function s3RangeReader(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  key: string,
  etag?: string,
): RangeReader {
  return async (offset, length) => {
    if (length <= 0) {
      return Buffer.alloc(0);
    }
    try {
      const response = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${offset}-${offset + length - 1}`,
          ...(etag === undefined ? {} : { IfMatch: quoteEtag(etag) }),
        }),
      );
      if (response.Body === undefined) {
        return Buffer.alloc(0);
      }
      const bytes = await response.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isRangePastEnd(error)) {
        // The object is shorter than the caller believes. An empty read lets the footer reader
        // report the file as truncated.
        return Buffer.alloc(0);
      }
      throw classify(error, bucket, key);
    }
  };
}

function classify(error: unknown, bucket: string, key: string): unknown {
  if (!(error instanceof S3ServiceException)) {
    return error;
  }
  const status = error.$metadata.httpStatusCode;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404) {
    return new ObjectMissingError(bucket, key, 'not-found', { cause: error });
  }
  if (error.name === 'PreconditionFailed' || status === 412) {
    return new ObjectMissingError(bucket, key, 'etag-changed', { cause: error });
  }
  return error;
}

function isRangePastEnd(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416)
  );
}

/** S3 event ETags come without quotes; If-Match wants the quoted entity tag. */
function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
}

/** Reads ranges of a local file, opening it for each read (footer reads are one or two). */
export function fileRangeReader(path: string): RangeReader {
  return async (offset, length) => {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  };
}
