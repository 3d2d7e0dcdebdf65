import { describe, expect, it } from 'vitest';
import { BucketLister, listedObject, unquoteEtag } from '../../src/ingest/bucket-lister.js';
import { BUCKET, FakeBucket } from './sweep-fakes.js';

const T = new Date('2024-06-12T10:00:00Z');

async function collect(lister: BucketLister, options: Parameters<BucketLister['pages']>[0]) {
  const pages: string[][] = [];
  for await (const page of lister.pages(options)) pages.push(page.map((o) => o.key));
  return pages;
}

describe('BucketLister', () => {
  it('pages through a prefix in byte order, starting after the given key', async () => {
    const bucket = new FakeBucket();
    for (const key of [
      'shop/orders/LOAD00000001.parquet',
      'shop/orders/20240612-100000000.parquet',
      'shop/orders/20240612-100100000.parquet',
      'shop/orders/20240612-100200000.parquet',
      'shop/other/LOAD00000001.parquet',
    ])
      bucket.put(key, T);
    const lister = new BucketLister(bucket, BUCKET);
    const pages = await collect(lister, {
      prefix: 'shop/orders/',
      startAfter: 'shop/orders/20240612-100000000.parquet',
      pageSize: 2,
    });
    expect(pages).toEqual([
      ['shop/orders/20240612-100100000.parquet', 'shop/orders/20240612-100200000.parquet'],
      ['shop/orders/LOAD00000001.parquet'],
    ]);
    expect(lister.requests).toBe(2);
    expect(bucket.requests.map((r) => r.StartAfter)).toEqual([
      'shop/orders/20240612-100000000.parquet',
      'shop/orders/20240612-100000000.parquet',
    ]);
  });

  it('strips the quotes S3 puts around ETags, as the event parser does', async () => {
    const bucket = new FakeBucket();
    bucket.put('shop/orders/LOAD00000001.parquet', T, 'abc123-2', 42);
    const pages: unknown[] = [];
    for await (const page of new BucketLister(bucket, BUCKET).pages({ prefix: 'shop/' }))
      pages.push(page);
    const [page] = pages;
    expect(page).toEqual([
      { key: 'shop/orders/LOAD00000001.parquet', etag: 'abc123-2', size: 42, lastModified: T },
    ]);
    expect(unquoteEtag('"d41d8cd98f00b204e9800998ecf8427e"')).toBe(
      'd41d8cd98f00b204e9800998ecf8427e',
    );
    expect(unquoteEtag('bare')).toBe('bare');
  });

  it('skips listing entries that lack a key, an ETag or a time', () => {
    expect(listedObject({ Key: 'k', LastModified: T })).toBeUndefined();
    expect(listedObject({ ETag: '"e"', LastModified: T })).toBeUndefined();
    expect(listedObject({ Key: 'k', ETag: '"e"' })).toBeUndefined();
  });

  it('lists the folders directly under a prefix, across pages', async () => {
    const bucket = new FakeBucket();
    for (let i = 0; i < 1_500; i++)
      bucket.put(`dms/s${String(i).padStart(4, '0')}/t/LOAD00000001.parquet`, T);
    bucket.put('dms/loose-file.parquet', T);
    const lister = new BucketLister(bucket, BUCKET);
    const folders = await lister.folders('dms/');
    expect(folders).toHaveLength(1_500);
    expect(folders[0]).toBe('dms/s0000/');
    expect(lister.requests).toBe(2);
  });

  it('stops between pages once aborted', async () => {
    const bucket = new FakeBucket();
    for (let i = 0; i < 10; i++) bucket.put(`shop/t/LOAD0000000${i}.parquet`, T);
    const lister = new BucketLister(bucket, BUCKET);
    const abort = new AbortController();
    const seen: number[] = [];
    for await (const page of lister.pages({ prefix: 'shop/', pageSize: 3, signal: abort.signal })) {
      seen.push(page.length);
      abort.abort();
    }
    expect(seen).toEqual([3]);
    expect(lister.requests).toBe(1);
  });
});
