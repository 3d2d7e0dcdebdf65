// The scheduled compaction of raw against the local stack: batches leave the engine's after-write
// compaction out of their COPYs, and the holder's compaction merges raw's small blocks while a
// batch appends, losing nothing.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEvents, type CompactionFinished } from '../../src/events.js';
import { rawCompactionDuty } from '../../src/lifecycle/raw-compaction-duty.js';
import { TestLoader } from '../support/cli.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, CDC_COLUMNS, DMS_TIMESTAMP } from '../support/parquet.js';

let fixture: LoaderFixture;
let loader: TestLoader;
let raw: string;
// More than the 25 small blocks after which the engine would compact by itself.
const FILES = 30;

const file = (n: number) => ({
  key: `shop/orders/20240101-${String(n).padStart(6, '0')}000.parquet`,
  body: parquetBytes(CDC_COLUMNS, [
    { Op: 'I', [DMS_TIMESTAMP]: '2024-01-01 00:00:01', id: n, name: `n${n}` },
  ]),
});

async function layout(): Promise<{ segments: number; blocks: number }> {
  const row = await fixture.conn.queryRow(
    `SELECT segment_count, block_count FROM fuse_snapshot('${raw}', 'orders') LIMIT 1`,
  );
  const [segments, blocks] = (row?.values() ?? []) as unknown[];
  return { segments: Number(segments), blocks: Number(blocks) };
}

beforeAll(async () => {
  fixture = await loaderFixture('rawcompact', { 'shop.orders': { primaryKey: ['id'] } });
  loader = new TestLoader(fixture.target.config, fixture.pool, fixture.s3);
  raw = fixture.target.config.databend.rawDatabase;
  expect(fixture.target.config.maintenance.compactCron).not.toBe('');
  for (let n = 1; n <= FILES; n++) await loader.putAndLoad([file(n)]);
}, 180_000);

afterAll(() => fixture.close());

describe('raw compaction on a schedule', () => {
  it('leaves the engine’s compaction out of the batches: one segment per batch', async () => {
    expect(await layout()).toEqual({ segments: FILES, blocks: FILES });
  });

  it('compacts raw while a batch appends to it, and every row stays once', async () => {
    const events = new PipelineEvents();
    const finished: CompactionFinished[] = [];
    events.on('compaction:finished', (e) => finished.push(e));
    const duty = rawCompactionDuty({
      cron: '0 3 * * *',
      pool: fixture.pool,
      rawDatabase: raw,
      events,
      logger: pino({ level: 'silent' }),
    });

    await Promise.all([duty.runOnce(), loader.putAndLoad([file(FILES + 1)])]);

    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ ok: 1, failed: [] });
    const after = await layout();
    // The batch's own block may land after the compaction's snapshot.
    expect(after.blocks).toBeLessThanOrEqual(2);
    expect(await fixture.scalar(`SELECT count(*) FROM ${raw}.orders`)).toBe(String(FILES + 1));
    expect(await fixture.scalar(`SELECT count(DISTINCT _file, _row) FROM ${raw}.orders`)).toBe(
      String(FILES + 1),
    );
    const ods = fixture.target.config.databend.odsDatabase;
    expect(await fixture.scalar(`SELECT count(*) FROM ${ods}.orders`)).toBe(String(FILES + 1));
  });
});
