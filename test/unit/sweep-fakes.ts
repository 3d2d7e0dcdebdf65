// Fakes at the sweep's two boundaries: an in-memory S3 bucket that answers ListObjectsV2 the way
// S3 does (UTF-8 byte order, StartAfter, Delimiter, pages), and a ledger.
import type {
  ListObjectsV2Command,
  ListObjectsV2CommandInput,
  ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import type { Config } from '../../src/config.js';
import type { ListObjectsClient } from '../../src/ingest/bucket-lister.js';
import type { LedgerReader } from '../../src/control/ledger-reader.js';
import { fileId } from '../../src/files/file-ref.js';
import { minimalConfig } from '../support/config-tree.js';

export const BUCKET = 'dms-bucket';

export function sweepConfig(overrides: Record<string, unknown> = {}): Config {
  return minimalConfig({
    s3: { bucket: BUCKET, region: 'us-east-1', ...(overrides.s3 as object) },
    tables: { byName: { 'shop.*': { primaryKey: ['id'] } } },
    sweep: { intervalMinutes: 10, graceSeconds: 120, ...(overrides.sweep as object) },
  });
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface StoredObject {
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
}

export class FakeBucket implements ListObjectsClient {
  readonly objects = new Map<string, StoredObject>();
  readonly requests: ListObjectsV2CommandInput[] = [];

  put(key: string, lastModified: Date, etag = `etag-of-${key}`, size = 100): void {
    // S3 lists ETags quoted.
    this.objects.set(key, { etag: `"${etag}"`, size, lastModified });
  }

  send(command: ListObjectsV2Command): Promise<ListObjectsV2CommandOutput> {
    const input = command.input;
    this.requests.push(input);
    const prefix = input.Prefix ?? '';
    const entries: ({ key: string; object: StoredObject } | { folder: string })[] = [];
    const seenFolders = new Set<string>();
    for (const key of [...this.objects.keys()].sort(byteOrder)) {
      if (!key.startsWith(prefix)) continue;
      if (input.StartAfter !== undefined && byteOrder(key, input.StartAfter) <= 0) continue;
      const rest = key.slice(prefix.length);
      const cut = input.Delimiter === undefined ? -1 : rest.indexOf(input.Delimiter);
      if (cut >= 0) {
        const folder = prefix + rest.slice(0, cut + 1);
        if (!seenFolders.has(folder)) entries.push({ folder });
        seenFolders.add(folder);
      } else {
        const object = this.objects.get(key);
        if (object !== undefined) entries.push({ key, object });
      }
    }
    const from = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
    const page = entries.slice(from, from + (input.MaxKeys ?? 1000));
    const truncated = from + page.length < entries.length;
    return Promise.resolve({
      $metadata: {},
      Contents: page.flatMap((e) =>
        'key' in e
          ? [
              {
                Key: e.key,
                ETag: e.object.etag,
                Size: e.object.size,
                LastModified: e.object.lastModified,
              },
            ]
          : [],
      ),
      CommonPrefixes: page.flatMap((e) => ('folder' in e ? [{ Prefix: e.folder }] : [])),
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: String(from + page.length) } : {}),
    });
  }
}

export class FakeLedger implements LedgerReader {
  readonly files = new Set<string>();
  readonly newest = new Map<string, string>();
  readonly cutoffs: Date[] = [];
  /** The `loadedSince` of each newest-key scan (undefined: the whole ledger). */
  readonly sinces: (Date | undefined)[] = [];
  /** The keys of each look-up of listed files. */
  readonly lookups: string[][] = [];

  /** Records a file as loaded, with the ETag FakeBucket gives it by default. */
  add(key: string, etag = `etag-of-${key}`): void {
    this.files.add(fileId({ bucket: BUCKET, key, etag }));
  }

  loaded(files: readonly { bucket: string; key: string; etag: string }[]): Promise<Set<string>> {
    this.lookups.push(files.map((f) => f.key));
    return Promise.resolve(new Set(files.map((f) => fileId(f)).filter((id) => this.files.has(id))));
  }

  newestCdcKeys(loadedBefore: Date, loadedSince?: Date): Promise<Map<string, string>> {
    this.cutoffs.push(loadedBefore);
    this.sinces.push(loadedSince);
    return Promise.resolve(new Map(this.newest));
  }
}
