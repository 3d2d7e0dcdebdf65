/**
 * Listing the DMS bucket with ListObjectsV2: pages of objects under a prefix (optionally starting
 * after a key), and the sub-folders of a prefix (Delimiter '/'). It counts its requests, because
 * what a listing costs is the number of requests it makes.
 *
 * Keys are requested without `EncodingType=url`: DMS keys are schema and table names and file
 * names, which XML carries as they are, and an encoded listing would have to be decoded with
 * rules S3 and its emulators do not share.
 */
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type _Object,
} from '@aws-sdk/client-s3';

/** The one S3 call a listing makes (an S3Client fits; tests pass an in-memory bucket). */
export interface ListObjectsClient {
  send(command: ListObjectsV2Command): Promise<ListObjectsV2CommandOutput>;
}

export interface ListedObject {
  readonly key: string;
  /** Without surrounding quotes, as S3 events carry it. */
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface ListOptions {
  /** Only keys that begin with this. */
  readonly prefix: string;
  /** Only keys that sort (as UTF-8 bytes) after this one. */
  readonly startAfter?: string | undefined;
  /** Keys per request; S3 returns at most 1,000. */
  readonly pageSize?: number;
  /** Stops between pages. */
  readonly signal?: AbortSignal;
}

/** S3 lists ETags quoted (`"<md5>"`); events and the ledger carry them bare. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/** An entry of a listing as a ListedObject; undefined when S3 left out a field we need. */
export function listedObject(object: _Object): ListedObject | undefined {
  if (object.Key === undefined || object.ETag === undefined || object.LastModified === undefined)
    return undefined;
  return {
    key: object.Key,
    etag: unquoteEtag(object.ETag),
    size: object.Size ?? 0,
    lastModified: object.LastModified,
  };
}

export class BucketLister {
  #requests = 0;

  constructor(
    private readonly s3: ListObjectsClient,
    readonly bucket: string,
  ) {}

  /** ListObjectsV2 requests made so far. */
  get requests(): number {
    return this.#requests;
  }

  /** The objects under a prefix in key order, one page per request. */
  async *pages(options: ListOptions): AsyncGenerator<ListedObject[]> {
    let token: string | undefined;
    do {
      if (options.signal?.aborted === true) return;
      const response = await this.list({
        Prefix: options.prefix,
        ...(options.startAfter === undefined ? {} : { StartAfter: options.startAfter }),
        ...(options.pageSize === undefined ? {} : { MaxKeys: options.pageSize }),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      });
      const objects = (response.Contents ?? []).flatMap((o) => listedObject(o) ?? []);
      if (objects.length > 0) yield objects;
      token = response.IsTruncated === true ? response.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** The folders directly under a prefix (which ends with '/' or is ''), e.g. `dms/shop/`. */
  async folders(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const folders: string[] = [];
    let token: string | undefined;
    do {
      if (signal?.aborted === true) break;
      const response = await this.list({
        Prefix: prefix,
        Delimiter: '/',
        ...(token === undefined ? {} : { ContinuationToken: token }),
      });
      for (const common of response.CommonPrefixes ?? [])
        if (common.Prefix !== undefined) folders.push(common.Prefix);
      token = response.IsTruncated === true ? response.NextContinuationToken : undefined;
    } while (token !== undefined);
    return folders;
  }

  private async list(
    input: Omit<ListObjectsV2CommandInput, 'Bucket'>,
  ): Promise<ListObjectsV2CommandOutput> {
    this.#requests += 1;
    return this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, ...input }));
  }
}
