// Rows no ODS can take: a NULL primary-key value or an Op other than I/U/D poisons its file alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLoader } from '../../src/ingest/batch-loader.js';
import { fileId } from '../../src/files/file-ref.js';
import { cdcFile } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';

let fixture: LoaderFixture;
let loader: BatchLoader;

beforeAll(async () => {
  fixture = await loaderFixture('invalidrows', { 'shop.keyed': { primaryKey: ['id'] } });
  loader = fixture.newLoader();
});

afterAll(() => fixture.close());

const put = (key: string, body: Buffer) => fixture.put(key, body);
const scalar = (sql: string) => fixture.scalar(sql);

describe('rows no ODS can take', () => {
  it('poisons a file with a NULL key or a bad Op, naming why, and loads the rest of its batch', async () => {
    const good = await put(
      'shop/keyed/20240101-000001000.parquet',
      cdcFile([{ op: 'I', id: 1, name: 'one' }], 1),
    );
    const nullKey = await put(
      'shop/keyed/20240101-000002000.parquet',
      cdcFile(
        [
          { op: 'I', id: 2, name: 'two' },
          { op: 'I', id: null, name: 'no key' },
        ],
        2,
      ),
    );
    const both = await put(
      'shop/keyed/20240101-000003000.parquet',
      cdcFile(
        [
          { op: 'X', id: 3, name: 'bad op' },
          { op: 'U', id: null, name: 'no key' },
        ],
        3,
      ),
    );
    const outcomes = await loader.load([good, nullKey, both]);
    expect([good, nullKey, both].map((f) => outcomes.get(fileId(f.ref)))).toEqual([
      { kind: 'done', rows: 1, reason: 'loaded' },
      { kind: 'poison', reason: '1 row(s) with a NULL in primary-key column(s) id' },
      {
        kind: 'poison',
        reason:
          '1 row(s) with an Op other than I, U or D; 1 row(s) with a NULL in primary-key column(s) id',
      },
    ]);
    const { rawDatabase, odsDatabase } = fixture.target.config.databend;
    expect(await scalar(`SELECT count(*)::STRING FROM ${odsDatabase}.keyed`)).toBe('1');
    expect(await scalar(`SELECT count(*)::STRING FROM ${rawDatabase}.keyed`)).toBe('1');
  });
});
