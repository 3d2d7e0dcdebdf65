/**
 * Is the object at a key still the version a batch names? COPY reads whatever is at the key when
 * it runs, so a batch checks, after its COPY and before its COMMIT, that every file is still
 * there with the ETag its ledger row will name (HeadObject with If-Match) and that COPY loaded
 * as many rows as that version's footer holds. A file that fails either was replaced or deleted
 * meanwhile: the batch rolls back and the file is `ignored` (its replacement is a file of its own,
 * announced by its own event; a deleted one has nothing left to load).
 */
import { HeadObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import PQueue from 'p-queue';
import type { S3FileRef } from './file-ref.js';

/** Why a file's object is not (or no longer) the version announced. */
export type StaleReason = 'not-found' | 'etag-changed' | 'rows-differ';

export function staleMessage(ref: Pick<S3FileRef, 'bucket' | 'key'>, why: StaleReason): string {
  const at = `s3://${ref.bucket}/${ref.key}`;
  if (why === 'not-found') return `${at} was deleted before its batch committed`;
  if (why === 'etag-changed')
    return `${at} was replaced before its batch committed (a new ETag: loaded as its own file)`;
  return `${at}: COPY loaded another row count than the footer of the announced version holds (replaced while loading)`;
}

/** Files of a batch whose objects are not the announced versions; the batch was rolled back. */
export class StaleObjectsError extends Error {
  override readonly name = 'StaleObjectsError';
  constructor(readonly files: ReadonlyMap<string, StaleReason>) {
    super([...files].map(([key, why]) => `${key}: ${why}`).join('; '));
  }
}

/** HeadObject failed for another reason than 404/412: the check could not be made. */
export class VersionCheckError extends Error {
  override readonly name = 'VersionCheckError';
}

const HEADS_AT_ONCE = 16;

/** The files (by key) whose object is gone or has another ETag now. */
export async function staleObjects(
  s3: Pick<S3Client, 'send'>,
  refs: readonly Pick<S3FileRef, 'bucket' | 'key' | 'etag'>[],
): Promise<Map<string, StaleReason>> {
  const stale = new Map<string, StaleReason>();
  const heads = new PQueue({ concurrency: HEADS_AT_ONCE });
  await Promise.all(
    refs.map((ref) =>
      heads.add(async () => {
        const why = await headWithIfMatch(s3, ref);
        if (why !== undefined) stale.set(ref.key, why);
      }),
    ),
  );
  return stale;
}

async function headWithIfMatch(
  s3: Pick<S3Client, 'send'>,
  ref: Pick<S3FileRef, 'bucket' | 'key' | 'etag'>,
): Promise<StaleReason | undefined> {
  try {
    await s3.send(
      new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, IfMatch: quoteEtag(ref.etag) }),
    );
    return undefined;
  } catch (error) {
    if (error instanceof S3ServiceException) {
      const status = error.$metadata.httpStatusCode;
      if (status === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey')
        return 'not-found';
      if (status === 412 || error.name === 'PreconditionFailed') return 'etag-changed';
    }
    throw new VersionCheckError(
      `checking s3://${ref.bucket}/${ref.key} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** S3 event ETags come without quotes; If-Match wants the quoted entity tag. */
function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
}

/**
 * The version check of a batch, run inside its transaction after COPY: row counts against the
 * footers first (no request), then HeadObject with If-Match for every file.
 */
export async function checkBatchVersions(
  s3: Pick<S3Client, 'send'>,
  files: readonly { readonly file: { readonly ref: S3FileRef }; readonly rowCount: number }[],
  rowsByFile: ReadonlyMap<string, number>,
): Promise<void> {
  const stale = await staleObjects(
    s3,
    files.map((f) => f.file.ref),
  );
  for (const { file, rowCount } of files) {
    if (!stale.has(file.ref.key) && (rowsByFile.get(file.ref.key) ?? 0) !== rowCount)
      stale.set(file.ref.key, 'rows-differ');
  }
  if (stale.size > 0) throw new StaleObjectsError(stale);
}
