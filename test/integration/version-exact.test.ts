// A batch commits only rows of the object versions its ledger rows name: an object replaced or
// deleted between its footer read and COPY is ignored, nothing of it reaches raw, and the table
// goes on (real engine, real moto S3).
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLoader } from '../../src/ingest/batch-loader.js';
import type { PendingFile } from '../../src/ingest/pending-file.js';
import { fileId } from '../../src/files/file-ref.js';
import { TS } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { waitFor } from '../support/wait.js';
import { countRequests, s3 } from '../support/stack.js';

const COLUMNS: [string, ParquetColumnType][] = [
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];

let fixture: LoaderFixture;

beforeAll(async () => {
  fixture = await loaderFixture('version', { 'shop.items': { primaryKey: ['id'] } });
});

afterAll(() => fixture.close());

const rows = (name: string, ids: number[]) =>
  parquetBytes(
    COLUMNS,
    ids.map((id) => ({ [TS]: '2024-01-01 00:00:01', id, name })),
  );

/** A loader whose footer for `file` has been read (as while the file waits for its batch). */
async function footerRead(file: PendingFile): Promise<BatchLoader> {
  const client = s3();
  const gets = countRequests(client, 'GetObjectCommand');
  const loader = fixture.newLoader({ s3: client });
  loader.prefetch(file);
  await waitFor('the footer read', () => Promise.resolve(gets.count() > 0 ? true : undefined));
  // The footer's bytes are read after the request returns.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return loader;
}

async function rawNames(): Promise<string[]> {
  const raw = fixture.target.config.databend.rawDatabase;
  const result = await fixture.conn.queryAll(`SELECT name FROM ${raw}.items ORDER BY id, name`);
  return result.map((r) => String(r.values()[0]));
}

async function ledger(): Promise<string[]> {
  const control = fixture.target.config.databend.controlDatabase;
  const result = await fixture.conn.queryAll(
    `SELECT object_key || ' ' || etag FROM ${control}.files ORDER BY object_key, etag`,
  );
  return result.map((r) => String(r.values()[0]));
}

describe('a file replaced or deleted between its footer read and COPY', () => {
  it('is ignored when replaced (same row count): raw and the ledger hold only the new version', async () => {
    const key = 'shop/items/LOAD00000001.parquet';
    const v1 = await fixture.put(key, rows('old', [1, 2]));
    const loader = await footerRead(v1);
    const v2 = await fixture.put(key, rows('new', [1, 2]));

    const first = await loader.load([v1]);
    expect(first.get(fileId(v1.ref))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('was replaced before its batch committed') as string,
    });
    expect(await rawNames()).toEqual([]);
    expect(await ledger()).toEqual([]);

    const second = await loader.load([v2]);
    expect(second.get(fileId(v2.ref))?.kind).toBe('done');
    expect(await rawNames()).toEqual(['new', 'new']);
    expect(await ledger()).toEqual([`${key} ${v2.ref.etag}`]);
  });

  it('is ignored when deleted, and the other files of its batch load', async () => {
    const gone = await fixture.put('shop/items/20240101-000002000.parquet', rows('gone', [3]));
    const kept = await fixture.put('shop/items/20240101-000003000.parquet', rows('kept', [4]));
    const loader = await footerRead(gone);
    await fixture.s3.send(new DeleteObjectCommand({ Bucket: gone.ref.bucket, Key: gone.ref.key }));

    const outcomes = await loader.load([gone, kept]);
    expect(outcomes.get(fileId(gone.ref))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('was deleted') as string,
    });
    expect(outcomes.get(fileId(kept.ref))?.kind).toBe('done');
    expect(await rawNames()).toEqual(['new', 'new', 'kept']);
    expect((await ledger()).filter((l) => l.includes('20240101'))).toEqual([
      `${kept.ref.key} ${kept.ref.etag}`,
    ]);
  });
});
