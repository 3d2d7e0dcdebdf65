// Several BatchLoaders (as in several processes) on one table: the claim in every batch
// transaction lets each file commit once, whatever the overlap; a loader that may not write
// commits nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEvents } from '../../src/events.js';
import type { PendingFile } from '../../src/ingest/pending-file.js';
import { TS } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';

const COLUMNS: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [TS, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];

let fixture: LoaderFixture;

beforeAll(async () => {
  fixture = await loaderFixture('fencing', {
    'shop.orders': { primaryKey: ['id'] },
    'shop.items': { primaryKey: ['id'] },
    'shop.lapsed': { primaryKey: ['id'] },
    'shop.redelivered': { primaryKey: ['id'] },
  });
});

afterAll(() => fixture.close());

async function cdcFiles(table: string, count: number): Promise<PendingFile[]> {
  const files: PendingFile[] = [];
  for (let i = 0; i < count; i++) {
    const second = String(10 + i).padStart(2, '0');
    files.push(
      await fixture.put(
        `shop/${table}/20240101-0000${second}000.parquet`,
        parquetBytes(COLUMNS, [
          { Op: 'I', [TS]: `2024-01-01 00:00:${second}.000000`, id: i, name: `n${i}` },
          { Op: 'U', [TS]: `2024-01-01 00:00:${second}.000000`, id: 100, name: `last${i}` },
        ]),
      ),
    );
  }
  return files;
}

describe('loaders that overlap on one table', () => {
  it(
    'commit every file exactly once, however many load it at the same moment',
    { timeout: 180_000 },
    async () => {
      const files = await cdcFiles('orders', 6);
      const events = new PipelineEvents();
      let conflicts = 0;
      events.on('batch:conflict', () => conflicts++);
      const loaders = [1, 2, 3].map(() => fixture.newLoader({ events }));
      // One loader takes all files as one batch; two others take them one by one, all at once.
      const [whole, ...single] = loaders;
      const runs = (
        await Promise.all([
          whole?.load(files).then((m) => [m]),
          ...single.map(async (loader) => {
            const done = [];
            for (const f of files) done.push(await loader.load([f]));
            return done;
          }),
        ])
      ).flatMap((r) => r ?? []);
      const outcomes = runs.flatMap((m) => [...m.values()]);
      expect(outcomes.every((o) => o.kind === 'done')).toBe(true);
      expect(outcomes.filter((o) => o.reason === 'loaded')).toHaveLength(files.length);

      const { rawDatabase, odsDatabase, controlDatabase } = fixture.target.config.databend;
      expect(
        await fixture.scalar(
          `SELECT count(*)::STRING FROM ${controlDatabase}.files WHERE table_name = 'orders'`,
        ),
      ).toBe('6');
      expect(
        await fixture.scalar(
          `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM ${rawDatabase}.orders`,
        ),
      ).toBe('0');
      expect(await fixture.scalar(`SELECT count(*)::STRING FROM ${rawDatabase}.orders`)).toBe('12');
      expect(
        await fixture.scalar(
          `SELECT (count(*) - count(DISTINCT id))::STRING FROM ${odsDatabase}.orders`,
        ),
      ).toBe('0');
      expect(await fixture.scalar(`SELECT name FROM ${odsDatabase}.orders WHERE id = 100`)).toBe(
        'last5',
      );
      // Conflicts happened or not, depending on timing; either way none was fatal.
      expect(conflicts).toBeGreaterThanOrEqual(0);
    },
  );

  it('commits nothing while it may not write, and hands the files back for a retry', async () => {
    const files = await cdcFiles('items', 2);
    const events = new PipelineEvents();
    const fenced: string[] = [];
    events.on('batch:fenced', (e) => fenced.push(e.table));
    const standby = fixture.newLoader({ events, writer: () => undefined });
    const outcomes = [...(await standby.load(files)).values()];
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(outcomes[0]?.reason).toContain('holds no lease');
    expect(fenced).toEqual(['items']);
    const { controlDatabase } = fixture.target.config.databend;
    expect(
      await fixture.scalar(
        `SELECT count(*)::STRING FROM ${controlDatabase}.files WHERE table_name = 'items'`,
      ),
    ).toBe('0');
  });

  it('waits for a late renewal of its lease instead of handing the files back', async () => {
    const files = await cdcFiles('lapsed', 2);
    const events = new PipelineEvents();
    const fenced: string[] = [];
    events.on('batch:fenced', (e) => fenced.push(e.table));
    // The lease's clock ran out before its renewal came back; the renewal comes 300 ms later.
    let waited = 0;
    const lapsed = fixture.newLoader({
      events,
      writer: () => undefined,
      awaitWriter: async () => {
        waited++;
        await new Promise((r) => setTimeout(r, 300));
        return { owner: 'renewed-holder' };
      },
    });
    const outcomes = [...(await lapsed.load(files)).values()];
    expect(outcomes.map((o) => o.kind)).toEqual(['done', 'done']);
    expect(fenced).toEqual([]);
    expect(waited).toBe(1);
    const { controlDatabase } = fixture.target.config.databend;
    expect(
      await fixture.scalar(
        `SELECT count(*)::STRING FROM ${controlDatabase}.files WHERE table_name = 'lapsed'`,
      ),
    ).toBe('2');
  });

  it('settles a redelivery of a loaded file as done even while it may not write', async () => {
    const [loaded, fresh] = await cdcFiles('redelivered', 2);
    if (loaded === undefined || fresh === undefined) throw new Error('two files expected');
    const first = [...(await fixture.newLoader().load([loaded])).values()];
    expect(first.map((o) => o.kind)).toEqual(['done']);
    // The same file again, with a new one, on a replica whose lease is gone: the loaded one is
    // done (its message is deleted, not received again toward the dead-letter queue).
    const events = new PipelineEvents();
    const fenced: string[] = [];
    events.on('batch:fenced', (e) => fenced.push(e.table));
    const lost = fixture.newLoader({
      events,
      writer: () => undefined,
      awaitWriter: () => Promise.resolve(undefined),
    });
    const outcomes = await lost.load([loaded, fresh]);
    expect([...outcomes.values()].map((o) => `${o.kind}: ${o.reason}`)).toEqual([
      'done: already in the ledger',
      'retry: not committed: this replica holds no lease',
    ]);
    expect(fenced).toEqual(['redelivered']);
  });

  it('hands the files back when its lease is lost while it waits', async () => {
    const files = await cdcFiles('items', 1);
    const events = new PipelineEvents();
    const fenced: string[] = [];
    events.on('batch:fenced', (e) => fenced.push(e.table));
    const lost = fixture.newLoader({
      events,
      writer: () => undefined,
      awaitWriter: () => Promise.resolve(undefined),
    });
    const outcomes = [...(await lost.load(files)).values()];
    expect(outcomes.map((o) => o.kind)).toEqual(['retry']);
    expect(fenced).toEqual(['items']);
  });
});
