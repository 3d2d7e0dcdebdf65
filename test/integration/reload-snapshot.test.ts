// A reload is a snapshot: once a new full-load generation is complete, ODS keys it lacks (and no
// later change touched) are deleted, ordered by `_seq`, so later CDC still wins and late, older
// changes resurrect nothing. Real engine and moto S3; the loader and Reloads run as the service's
// table slot runs them.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEvents } from '../../src/events.js';
import { fileId } from '../../src/files/file-ref.js';
import type { BatchLoader } from '../../src/ingest/batch-loader.js';
import { BucketLister } from '../../src/ingest/bucket-lister.js';
import type { PendingFile } from '../../src/ingest/pending-file.js';
import { Reloads } from '../../src/ingest/reloads.js';
import { reloadTable } from '../../src/cli/reload.js';
import { TS } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';
import { loadStackEnv } from '../support/stack.js';

const LOAD: [string, ParquetColumnType][] = [
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];
const CDC: [string, ParquetColumnType][] = [['Op', 'string'], ...LOAD];

// `reload` builds its clients as the CLI does: credentials from the environment.
const stack = loadStackEnv();
process.env.AWS_ACCESS_KEY_ID ??= stack.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY ??= stack.secretAccessKey;

let fixture: LoaderFixture;
let loader: BatchLoader;
let reloads: Reloads;
const events = new PipelineEvents();
const applied: { table: string; tombstoned: number }[] = [];
let seen = 0;

beforeAll(async () => {
  fixture = await loaderFixture('reload', {
    'shop.items': { primaryKey: ['id'] },
    'shop.dropped': { primaryKey: ['id'] },
    'shop.quiet': { primaryKey: ['id'] },
    'shop.emptied': { primaryKey: ['id'] },
    'shop.zero': { primaryKey: ['id'] },
    'shop.still': { primaryKey: ['id'] },
    'shop.parts': { primaryKey: ['id'] },
  });
  loader = fixture.newLoader({ events });
  reloads = new Reloads({
    config: fixture.target.config,
    pool: fixture.pool,
    lister: new BucketLister(fixture.s3, fixture.target.pipe.bucket),
    events,
    logger: pino({ level: process.env.RELOAD_TEST_LOG ?? 'silent' }),
  });
  events.on('reload:applied', (e) => applied.push(e));
  events.on('reload:seen', () => seen++);
});

afterAll(() => fixture.close());

/** Loads the files as one batch, then checks the table for a reload, as the table slot does. */
async function load(...files: PendingFile[]): Promise<string[]> {
  const outcomes = await loader.load(files);
  const table = files[0]?.route.target ?? '';
  await reloads.afterBatch(table, files, outcomes);
  return files.map((f) => outcomes.get(fileId(f.ref))?.kind ?? 'none');
}

const loadFile = (rows: [number, string][], ts: string) =>
  parquetBytes(
    LOAD,
    rows.map(([id, name]) => ({ [TS]: ts, id, name })),
  );
const cdcFile = (rows: [string, number, string][], ts: string) =>
  parquetBytes(
    CDC,
    rows.map(([Op, id, name]) => ({ Op, [TS]: ts, id, name })),
  );

/** Puts a full-load file of `rows` at `key`, as DMS writes one. */
const putLoad = (key: string, rows: [number, string][], ts: string) =>
  fixture.put(key, loadFile(rows, ts));
/** Puts a CDC file of `rows` (Op, id, name) at `key`. */
const putCdc = (key: string, rows: [string, number, string][], ts: string) =>
  fixture.put(key, cdcFile(rows, ts));

/** Deletes the files as DMS empties a folder, and hands Reloads their ObjectRemoved events. */
async function removeAsDms(...files: PendingFile[]): Promise<Date> {
  const removedAt = new Date();
  for (const file of files)
    await fixture.s3.send(new DeleteObjectCommand({ Bucket: file.ref.bucket, Key: file.ref.key }));
  await reloads.noteRemovals(files.map((f) => ({ key: f.ref.key, eventTime: removedAt })));
  return removedAt;
}

/** A CDC file name at `date` (DMS names CDC files by their creation time, UTC). */
function cdcName(date: Date): string {
  const d = date.toISOString().replace(/[-:TZ.]/g, '');
  return `${d.slice(0, 8)}-${d.slice(8, 17)}.parquet`;
}

async function ods(table: string): Promise<string[]> {
  const rows = await fixture.conn.queryAll(
    `SELECT id::STRING || ' ' || coalesce(name, '-') || ' ' || is_deleted::STRING ` +
      `FROM ${fixture.target.config.databend.odsDatabase}.${table} ORDER BY id`,
  );
  return rows.map((r) => String(r.values()[0]));
}

describe('a reload after a capture gap', () => {
  it(
    'deletes the rows the new full load lacks, keeps later CDC, and lets no older change resurrect one',
    { timeout: 300_000 },
    async () => {
      const folder = 'shop/items';
      await load(
        await putLoad(
          `${folder}/LOAD00000001.parquet`,
          [
            [1, 'v1'],
            [2, 'v1'],
            [3, 'v1'],
            [4, 'v1'],
            [5, 'v1'],
            [6, 'v1'],
          ],
          '2024-01-01 00:00:01',
        ),
      );
      await load(
        await putCdc(
          `${folder}/20240101-000010000.parquet`,
          [['U', 1, 'cdc']],
          '2024-01-01 00:00:10',
        ),
      );
      // Capture stopped; at the source 2 and 4 were deleted, 3 updated and 7 inserted. Then the
      // table was reloaded (same LOAD key, new ETag; UseTaskStartTimeForFullLoadTimestamp).
      const reload = await putLoad(
        `${folder}/LOAD00000001.parquet`,
        [
          [1, 'cdc'],
          [3, 'gap'],
          [5, 'v1'],
          [6, 'v1'],
          [7, 'new'],
        ],
        '2024-01-02 00:00:00',
      );
      expect(await load(reload)).toEqual(['done']);
      expect(seen).toBe(1);
      // Not complete yet: no CDC file after the reload has been loaded.
      expect(applied).toEqual([]);
      expect(await ods('items')).toContain('2 v1 false');

      const after = await putCdc(
        `${folder}/${cdcName(new Date(Date.now() + 2_000))}`,
        [
          ['U', 5, 'after'],
          ['D', 6, 'v1'],
        ],
        '2024-01-02 00:00:05',
      );
      expect(await load(after)).toEqual(['done']);
      expect(applied).toEqual([{ table: 'items', tombstoned: 2 }]);

      // Changes from before the reload, delivered late, resurrect nothing: neither a key the
      // snapshot deleted nor one ODS never held (inserted, then deleted during the gap).
      const late = await putCdc(
        `${folder}/20240101-000020000.parquet`,
        [
          ['U', 2, 'late'],
          ['I', 9, 'gone'],
        ],
        '2024-01-01 00:00:20',
      );
      expect(await load(late)).toEqual(['done']);
      // A queued event of a version the reload overwrote is ignored, and opens no new reload.
      const overtaken = {
        ...reload,
        ref: { ...reload.ref, etag: '0123456789abcdef0123456789abcdef' },
      };
      expect(await load(overtaken)).toEqual(['ignored']);
      expect(seen).toBe(1);
      expect(await ods('items')).toEqual([
        '1 cdc false',
        '2 v1 true',
        '3 gap false',
        '4 v1 true',
        '5 after false',
        '6 v1 true',
        '7 new false',
      ]);
      // The deletes are change rows in raw too, so `replay` rebuilds the same ODS.
      const raw = fixture.target.config.databend.rawDatabase;
      expect(
        await fixture.scalar(
          `SELECT count(*)::STRING FROM ${raw}.items WHERE _file LIKE 'reload:%' AND "Op" = 'D'`,
        ),
      ).toBe('2');
    },
  );
});

describe('a DROP_AND_CREATE reload (the folder emptied, then refilled)', () => {
  it(
    'is seen from ObjectRemoved events; the old generation’s queued files load nothing',
    { timeout: 300_000 },
    async () => {
      const folder = 'shop/dropped';
      const old1 = await putLoad(
        `${folder}/LOAD00000001.parquet`,
        [
          [1, 'v1'],
          [2, 'v1'],
          [3, 'v1'],
        ],
        '2024-01-01 00:00:01',
      );
      const old2 = await putLoad(
        `${folder}/LOAD00000002.parquet`,
        [
          [4, 'v1'],
          [5, 'v1'],
          [6, 'v1'],
        ],
        '2024-01-01 00:00:01',
      );
      expect(await load(old1)).toEqual(['done']);
      // DMS deletes the table's folder, S3 sends ObjectRemoved for each file.
      await removeAsDms(old1, old2);
      const fresh = await putLoad(
        `${folder}/LOAD00000001.parquet`,
        [
          [1, 'v2'],
          [2, 'v2'],
          [5, 'v2'],
        ],
        '2024-01-02 00:00:00',
      );
      // The old generation's second file, still queued: gone from S3, so ignored.
      expect(await load(old2)).toEqual(['ignored']);
      expect(await load(fresh)).toEqual(['done']);
      const after = await putCdc(
        `${folder}/${cdcName(new Date(Date.now() + 2_000))}`,
        [['I', 8, 'after']],
        '2024-01-02 00:00:05',
      );
      expect(await load(after)).toEqual(['done']);
      expect(applied.at(-1)).toEqual({ table: 'dropped', tombstoned: 1 });
      expect(await ods('dropped')).toEqual([
        '1 v2 false',
        '2 v2 false',
        '3 v1 true',
        '5 v2 false',
        '8 after false',
      ]);
    },
  );
});

describe('a reload of a source that writes no change afterwards', () => {
  it(
    'is declared complete by the operator, after a dry run listing what it deletes',
    { timeout: 300_000 },
    async () => {
      const key = 'shop/quiet/LOAD00000001.parquet';
      await load(
        await putLoad(
          key,
          [
            [1, 'v1'],
            [2, 'v1'],
          ],
          '2024-01-01 00:00:01',
        ),
      );
      await load(await putLoad(key, [[1, 'v2']], '2024-01-02 00:00:00'));
      const config = fixture.target.config;
      const status = await reloadTable(config, { table: 'quiet' });
      expect(status.at(-1)).toBe('  a CDC file after it loaded: no; complete: no');

      const dryRun = await reloadTable(config, { table: 'quiet', complete: true, dryRun: true });
      expect(dryRun.slice(-2)).toEqual(['would delete 1 ODS key(s):', '  2']);
      expect(await ods('quiet')).toEqual(['1 v2 false', '2 v1 false']);

      const done = await reloadTable(config, { table: 'quiet', complete: true });
      expect(done.at(-1)).toMatch(/^applied: 1 ODS key\(s\) deleted/);
      expect(await ods('quiet')).toEqual(['1 v2 false', '2 v1 true']);
      await expect(reloadTable(config, { table: 'quiet' })).rejects.toThrow(
        /no reload of quiet has begun/,
      );
    },
  );
});

/** A DMS timestamp column value for an instant (UTC), as DMS writes commit times. */
function dmsTime(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

describe('an empty reload generation (the source table was empty when it was reloaded)', () => {
  it(
    'after the folder was emptied and no LOAD file followed, deletes every key no later change touched',
    { timeout: 300_000 },
    async () => {
      const folder = 'shop/emptied';
      const old = await putLoad(
        `${folder}/LOAD00000001.parquet`,
        [
          [1, 'v1'],
          [2, 'v1'],
          [3, 'v1'],
        ],
        '2024-01-01 00:00:01',
      );
      expect(await load(old)).toEqual(['done']);
      const removedAt = await removeAsDms(old);
      // DMS writes no LOAD file for an empty table; the next CDC file says the load is over.
      const later = new Date(removedAt.getTime() + 2_000);
      const after = await putCdc(
        `${folder}/${cdcName(later)}`,
        [['I', 8, 'after']],
        dmsTime(later),
      );
      expect(await load(after)).toEqual(['done']);
      expect(applied.at(-1)).toEqual({ table: 'emptied', tombstoned: 3 });
      expect(await ods('emptied')).toEqual([
        '1 v1 true',
        '2 v1 true',
        '3 v1 true',
        '8 after false',
      ]);
    },
  );

  it(
    'from a LOAD file of no rows under the old key, deletes every key no later change touched',
    { timeout: 300_000 },
    async () => {
      const key = 'shop/zero/LOAD00000001.parquet';
      const rows: [number, string][] = [
        [1, 'v1'],
        [2, 'v1'],
      ];
      expect(await load(await putLoad(key, rows, '2024-01-01 00:00:01'))).toEqual(['done']);
      expect(await load(await putLoad(key, [], dmsTime(new Date())))).toEqual(['done']);
      const later = new Date(Date.now() + 2_000);
      const after = await putCdc(
        `shop/zero/${cdcName(later)}`,
        [['I', 5, 'after']],
        dmsTime(later),
      );
      expect(await load(after)).toEqual(['done']);
      expect(applied.at(-1)).toEqual({ table: 'zero', tombstoned: 2 });
      expect(await ods('zero')).toEqual(['1 v1 true', '2 v1 true', '5 after false']);
    },
  );

  it(
    'that S3 shows nothing of (DO_NOTHING) is declared by the operator with the time it began',
    { timeout: 300_000 },
    async () => {
      const folder = 'shop/still';
      await load(
        await putLoad(
          `${folder}/LOAD00000001.parquet`,
          [
            [1, 'v1'],
            [2, 'v1'],
          ],
          '2024-01-01 00:00:01',
        ),
      );
      // The reload began after the old full load was written (S3 times are whole seconds).
      await new Promise((r) => setTimeout(r, 1_500));
      const began = new Date();
      const now = new Date(began.getTime() + 1_000);
      await load(await putCdc(`${folder}/${cdcName(now)}`, [['I', 3, 'new']], dmsTime(now)));
      const config = fixture.target.config;
      await expect(
        reloadTable(config, { table: 'still', began: 'yesterday', complete: true }),
      ).rejects.toThrow(/is not an ISO-8601 time/);
      const dryRun = await reloadTable(config, {
        table: 'still',
        began: began.toISOString(),
        complete: true,
        dryRun: true,
      });
      expect(dryRun.at(-3)).toBe('would delete 2 ODS key(s):');
      expect(dryRun.slice(-2).sort()).toEqual(['  1', '  2']);
      const done = await reloadTable(config, { table: 'still', complete: true });
      expect(done.at(-1)).toMatch(/^applied: 2 ODS key\(s\) deleted/);
      expect(await ods('still')).toEqual(['1 v1 true', '2 v1 true', '3 new false']);
    },
  );
});

describe('a reload of a table loaded in partition sub-folders (parallel load)', () => {
  it(
    'waits for every partition of the new full load, then deletes what all of them lack',
    { timeout: 300_000 },
    async () => {
      const p0 = 'shop/parts/p0/LOAD00000001.parquet';
      const p1 = 'shop/parts/p1/LOAD00000001.parquet';
      await load(
        await putLoad(
          p0,
          [
            [1, 'v1'],
            [2, 'v1'],
          ],
          '2024-01-01 00:00:01',
        ),
        await putLoad(
          p1,
          [
            [11, 'v1'],
            [12, 'v1'],
          ],
          '2024-01-01 00:00:01',
        ),
      );
      // The reload rewrites both partitions; 2 and 12 were deleted while capture was stopped.
      const new0 = await putLoad(p0, [[1, 'v2']], '2024-01-02 00:00:00');
      const new1 = await putLoad(p1, [[11, 'v2']], '2024-01-02 00:00:00');
      const before = applied.length;
      expect(await load(new0)).toEqual(['done']);
      const later = new Date(Date.now() + 2_000);
      const after = await putCdc(
        `shop/parts/${cdcName(later)}`,
        [['I', 20, 'after']],
        '2024-01-02 00:00:05',
      );
      expect(await load(after)).toEqual(['done']);
      // The other partition's new file is listed but not loaded: not complete yet.
      expect(applied.length).toBe(before);
      const status = await reloadTable(fixture.target.config, { table: 'parts' });
      expect(status[1]).toBe(`  files of the new full load: 2 (1 not loaded yet: ${p1})`);
      expect(await load(new1)).toEqual(['done']);
      expect(applied.at(-1)).toEqual({ table: 'parts', tombstoned: 2 });
      expect(await ods('parts')).toEqual([
        '1 v2 false',
        '2 v1 true',
        '11 v2 false',
        '12 v1 true',
        '20 after false',
      ]);
    },
  );
});
