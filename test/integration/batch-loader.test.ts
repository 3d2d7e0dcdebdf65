// One table's batches against the real engine and moto: raw once per change, ODS converged, ledger once per file.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLoader } from '../../src/ingest/batch-loader.js';
import { TS } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { waitFor } from '../support/wait.js';
import { countRequests, s3 } from '../support/stack.js';

const CDC_COLUMNS: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];
const LOAD_COLUMNS: [string, ParquetColumnType][] = [
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];

let fixture: LoaderFixture;
let loader: BatchLoader;

beforeAll(async () => {
  fixture = await loaderFixture('loader', {
    'shop.customers': { primaryKey: ['id'] },
    'shop.orders': { primaryKey: ['id'] },
  });
  loader = fixture.newLoader();
});

afterAll(() => fixture.close());

const put = (key: string, body: Buffer | string) => fixture.put(key, body);
const scalar = (sql: string) => fixture.scalar(sql);

async function ods(table: string): Promise<unknown[][]> {
  const rows = await fixture.conn.queryAll(
    `SELECT id::STRING, name, is_deleted FROM ${fixture.target.config.databend.odsDatabase}.${table} ORDER BY id`,
  );
  return rows.map((r) => r.values() as unknown[]);
}

describe('a batch of one table', () => {
  it('loads a full load and its CDC files in one transaction, in DMS order', async () => {
    const files = [
      await put(
        'shop/customers/20240101-000002000.parquet',
        parquetBytes(CDC_COLUMNS, [
          { Op: 'U', [TS]: '2024-01-01 00:00:02.000000', id: 1, name: 'anna' },
          { Op: 'D', [TS]: '2024-01-01 00:00:02.000000', id: 2, name: 'bob' },
          { Op: 'I', [TS]: '2024-01-01 00:00:02.000000', id: 3, name: 'carl' },
          { Op: 'U', [TS]: '2024-01-01 00:00:02.000000', id: 3, name: 'carla' },
        ]),
      ),
      await put(
        'shop/customers/LOAD00000001.parquet',
        parquetBytes(LOAD_COLUMNS, [
          { [TS]: '2024-01-01 00:00:01.500000', id: 1, name: 'ann' },
          { [TS]: '2024-01-01 00:00:01.500000', id: 2, name: 'bob' },
        ]),
      ),
    ];
    const outcomes = await loader.load(files);
    expect([...outcomes.values()].map((o) => o.kind)).toEqual(['done', 'done']);
    expect(await ods('customers')).toEqual([
      ['1', 'anna', false],
      ['2', 'bob', true],
      ['3', 'carla', false],
    ]);
    const raw = fixture.target.config.databend.rawDatabase;
    expect(await scalar(`SELECT count(*)::STRING FROM ${raw}.customers`)).toBe('6');
    expect(
      await scalar(
        `SELECT count(*)::STRING FROM ${raw}.customers WHERE "Op" = 'I' AND _file LIKE '%LOAD%'`,
      ),
    ).toBe('2');
  });

  it('acknowledges a redelivered file without loading it twice', async () => {
    const file = await put(
      'shop/orders/LOAD00000001.parquet',
      parquetBytes(LOAD_COLUMNS, [{ [TS]: '2024-01-01 00:00:01.000000', id: 7, name: 'x' }]),
    );
    expect(
      (await loader.load([file])).get([...(await loader.load([file])).keys()][0] ?? '')?.kind,
    ).toBe('done');
    const again = [...(await loader.load([file, file])).values()];
    expect(again.map((o) => o.reason)).toEqual(['already in the ledger']);
    expect(
      await scalar(
        `SELECT count(*)::STRING FROM ${fixture.target.config.databend.rawDatabase}.orders`,
      ),
    ).toBe('1');
    expect(
      await scalar(
        `SELECT count(*)::STRING FROM ${fixture.target.config.databend.controlDatabase}.files WHERE object_key = '${file.ref.key}'`,
      ),
    ).toBe('1');
  });

  it('acknowledges a redelivery of a loaded file whose object has gone since', async () => {
    // No ledger look-up runs before the transaction; a file settled before it (here: its footer
    // cannot be read) is looked up then, so a loaded file is never retried or poisoned.
    const file = await put(
      'shop/orders/20240101-000009000.parquet',
      parquetBytes(CDC_COLUMNS, [
        { Op: 'I', [TS]: '2024-01-01 00:00:09.000000', id: 9, name: 'n' },
      ]),
    );
    expect([...(await loader.load([file])).values()].map((o) => o.reason)).toEqual(['loaded']);
    await fixture.s3.send(new DeleteObjectCommand({ Bucket: file.ref.bucket, Key: file.ref.key }));
    const again = [...(await fixture.newLoader().load([file])).values()];
    expect(again).toEqual([{ kind: 'done', rows: 0, reason: 'already in the ledger' }]);
  });

  it('keeps a delete that arrives before the insert it deletes', async () => {
    const del = await put(
      'shop/orders/20240102-000005000.parquet',
      parquetBytes(CDC_COLUMNS, [
        { Op: 'D', [TS]: '2024-01-02 00:00:05.000000', id: 50, name: 'gone' },
      ]),
    );
    const ins = await put(
      'shop/orders/20240102-000001000.parquet',
      parquetBytes(CDC_COLUMNS, [
        { Op: 'I', [TS]: '2024-01-02 00:00:01.000000', id: 50, name: 'gone' },
      ]),
    );
    await loader.load([del]);
    await loader.load([ins]);
    const rows = await ods('orders');
    expect(rows.find((r) => r[0] === '50')).toEqual(['50', 'gone', true]);
  });

  it('gives each bad file its own outcome and still loads the good ones', async () => {
    const good = await put(
      'shop/orders/20240103-000001000.parquet',
      parquetBytes(CDC_COLUMNS, [
        { Op: 'I', [TS]: '2024-01-03 00:00:01.000000', id: 60, name: 'ok' },
      ]),
    );
    const notParquet = await put('shop/orders/20240103-000002000.parquet', 'this is not parquet');
    const empty = await put('shop/orders/20240103-000003000.parquet', '');
    const noKey = await put(
      'shop/orders/20240103-000004000.parquet',
      parquetBytes(
        [
          ['Op', 'string'],
          [TS, 'string'],
          ['name', 'string'],
        ],
        [{ Op: 'I', [TS]: '2024-01-03 00:00:04.000000', name: 'no id' }],
      ),
    );
    const badOp = await put(
      'shop/orders/20240103-000005000.parquet',
      parquetBytes(CDC_COLUMNS, [
        { Op: 'X', [TS]: '2024-01-03 00:00:05.000000', id: 61, name: 'bad op' },
      ]),
    );
    const outcomes = await loader.load([good, notParquet, empty, noKey, badOp]);
    const kinds = [good, notParquet, empty, noKey, badOp].map(
      (f) => outcomes.get(`${f.ref.bucket}\u0000${f.ref.key}\u0000${f.ref.etag}`)?.kind,
    );
    expect(kinds).toEqual(['done', 'poison', 'poison', 'poison', 'poison']);
    expect((await ods('orders')).find((r) => r[0] === '60')).toEqual(['60', 'ok', false]);
    expect(
      await scalar(
        `SELECT count(*)::STRING FROM ${fixture.target.config.databend.rawDatabase}.orders WHERE id = 61`,
      ),
    ).toBe('0');
  });

  it('loads with the footer read ahead, without reading it again', async () => {
    const counted = s3();
    const gets = countRequests(counted, 'GetObjectCommand');
    const readingLoader = fixture.newLoader({ s3: counted });
    const row = (id: number) => ({ Op: 'I', [TS]: '2024-01-04 00:00:01.000000', id, name: 'r' });
    try {
      const first = await put(
        'shop/orders/20240104-000001000.parquet',
        parquetBytes(CDC_COLUMNS, [row(70)]),
      );
      await readingLoader.load([first]);
      const getsPerFooter = gets.count();
      expect(getsPerFooter).toBeGreaterThan(0);

      const second = await put(
        'shop/orders/20240104-000002000.parquet',
        parquetBytes(CDC_COLUMNS, [row(71)]),
      );
      readingLoader.prefetch(second);
      await waitFor('the footer read ahead', () =>
        Promise.resolve(gets.count() === 2 * getsPerFooter ? true : undefined),
      );
      const outcomes = await readingLoader.load([second]);
      expect([...outcomes.values()].map((o) => o.kind)).toEqual(['done']);
      expect(gets.count()).toBe(2 * getsPerFooter);
      expect((await ods('orders')).find((r) => r[0] === '71')).toEqual(['71', 'r', false]);
    } finally {
      counted.destroy();
    }
  });
});
