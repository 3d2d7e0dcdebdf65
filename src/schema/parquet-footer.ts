/**
 * Reads a Parquet file's schema from its footer with ranged reads only, so it costs one small
 * request against S3 however large the file is.
 *
 * A Parquet file ends with: <FileMetaData (Thrift compact)> <4-byte little-endian length> "PAR1",
 * and starts with "PAR1". The last 64 KiB are fetched in one request; that holds the whole footer
 * of any DMS file seen so far (a few KiB: the schema plus per-row-group column statistics). Only a
 * larger footer costs a second request, for the missing part.
 */

import { decodeFileMetaData } from './footer-decode.js';
import type { ParquetSchema } from './parquet-column.js';

/** Reads `length` bytes at `offset`. May return fewer bytes if the object is shorter. */
export type RangeReader = (offset: number, length: number) => Promise<Buffer>;

export type InvalidParquetReason = 'empty' | 'not-parquet' | 'truncated' | 'corrupt-footer';

/** The file is not a readable Parquet file; retrying will not help. */
export class InvalidParquetError extends Error {
  override readonly name = 'InvalidParquetError';
  readonly reason: InvalidParquetReason;

  constructor(reason: InvalidParquetReason, detail: string, options?: { cause?: unknown }) {
    super(`invalid Parquet file (${reason}): ${detail}`, options);
    this.reason = reason;
  }
}

const MAGIC = Buffer.from('PAR1', 'latin1');
/** An encrypted footer ends in "PARE"; its metadata cannot be read without the key. */
const ENCRYPTED_MAGIC = Buffer.from('PARE', 'latin1');
const MAGIC_LENGTH = 4;
const LENGTH_FIELD = 4;
const TRAILER_LENGTH = LENGTH_FIELD + MAGIC_LENGTH;
/** Leading magic + footer length + trailing magic: no Parquet file is shorter. */
const MIN_FILE_LENGTH = MAGIC_LENGTH + TRAILER_LENGTH;

export const FOOTER_PREFETCH_BYTES = 64 * 1024;

/**
 * Reads the schema and row count of the Parquet file of `fileSize` bytes behind `readRange`.
 * Throws InvalidParquetError when the bytes are not a complete, readable Parquet file; errors of
 * `readRange` itself (network, missing object) pass through unchanged.
 */
export async function readParquetSchema(
  readRange: RangeReader,
  fileSize: number,
): Promise<ParquetSchema> {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(`file size must be a non-negative integer, got ${String(fileSize)}`);
  }
  if (fileSize === 0) {
    throw new InvalidParquetError('empty', 'the file has zero bytes');
  }
  const tailLength = Math.min(fileSize, FOOTER_PREFETCH_BYTES);
  const tailOffset = fileSize - tailLength;
  const tail = await readExactly(readRange, tailOffset, tailLength);
  const head = tailOffset === 0 ? tail.subarray(0, MAGIC_LENGTH) : undefined;

  if (fileSize < MIN_FILE_LENGTH || !endsWith(tail, MAGIC)) {
    throw await explainBadTrailer(readRange, fileSize, tail, head);
  }
  if (head !== undefined && !head.equals(MAGIC)) {
    throw new InvalidParquetError('not-parquet', 'the file does not start with "PAR1"');
  }

  const footerLength = tail.readUInt32LE(tail.length - TRAILER_LENGTH);
  const footerOffset = fileSize - TRAILER_LENGTH - footerLength;
  if (footerOffset < MAGIC_LENGTH) {
    throw new InvalidParquetError(
      'corrupt-footer',
      `the footer claims ${footerLength} bytes, more than the ${fileSize}-byte file can hold`,
    );
  }
  const footer = await footerBytes(readRange, tail, tailOffset, footerOffset, footerLength);
  try {
    return decodeFileMetaData(footer);
  } catch (error) {
    throw new InvalidParquetError('corrupt-footer', describe(error), { cause: error });
  }
}

/** The footer bytes: from the prefetched tail, or the tail plus one read of the missing start. */
async function footerBytes(
  readRange: RangeReader,
  tail: Buffer,
  tailOffset: number,
  footerOffset: number,
  footerLength: number,
): Promise<Buffer> {
  const footerEnd = footerOffset + footerLength;
  if (footerOffset >= tailOffset) {
    return tail.subarray(footerOffset - tailOffset, footerEnd - tailOffset);
  }
  const missing = await readExactly(readRange, footerOffset, tailOffset - footerOffset);
  return Buffer.concat([missing, tail.subarray(0, footerEnd - tailOffset)]);
}

/**
 * Tells a file cut short (it starts like Parquet, the trailer is missing) from one that is not
 * Parquet at all. Costs one 4-byte read when the prefetch did not reach the start.
 */
async function explainBadTrailer(
  readRange: RangeReader,
  fileSize: number,
  tail: Buffer,
  head: Buffer | undefined,
): Promise<InvalidParquetError> {
  if (endsWith(tail, ENCRYPTED_MAGIC)) {
    return new InvalidParquetError(
      'not-parquet',
      'the footer is encrypted ("PARE"), not supported',
    );
  }
  const start = head ?? (await readExactly(readRange, 0, MAGIC_LENGTH));
  if (start.equals(MAGIC)) {
    return new InvalidParquetError(
      'truncated',
      `the ${fileSize}-byte file starts with "PAR1" but has no complete footer`,
    );
  }
  return new InvalidParquetError('not-parquet', 'the file neither starts nor ends with "PAR1"');
}

async function readExactly(
  readRange: RangeReader,
  offset: number,
  length: number,
): Promise<Buffer> {
  const bytes = await readRange(offset, length);
  if (bytes.length < length) {
    throw new InvalidParquetError(
      'truncated',
      `read ${bytes.length} of ${length} bytes at offset ${offset}: the file is shorter than its stated size`,
    );
  }
  // A reader that ignores the length must not make us read past the range.
  return bytes.length === length ? bytes : bytes.subarray(0, length);
}

function endsWith(bytes: Buffer, suffix: Buffer): boolean {
  return (
    bytes.length >= suffix.length && bytes.subarray(bytes.length - suffix.length).equals(suffix)
  );
}

/** parquetjs-lite's Thrift decoder throws Errors, strings and plain objects alike. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message || error.name;
  }
  if (typeof error === 'string') {
    return error;
  }
  return JSON.stringify(error) ?? String(error);
}
