// `purge` against the local stack: raw rows loaded more than retention.rawDays days ago go, per table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEvents, type RetentionCompleted } from '../../src/events.js';
import { RetentionCron } from '../../src/lifecycle/retention-cron.js';
import { purgeRaw } from '../../src/control/retention.js';
import { runCli, TestLoader } from '../support/cli.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, CDC_COLUMNS, DMS_TIMESTAMP } from '../support/parquet.js';

let fixture: LoaderFixture;
let loader: TestLoader;

beforeAll(async () => {
  fixture = await loaderFixture('clipurge', {
    'shop.orders': { primaryKey: ['id'] },
    'shop.items': { primaryKey: ['id'] },
  });
  loader = new TestLoader(fixture.target.config, fixture.pool, fixture.s3);
  const rows = (ids: number[]) =>
    parquetBytes(
      CDC_COLUMNS,
      ids.map((id) => ({ Op: 'I', [DMS_TIMESTAMP]: '2024-01-01 00:00:01', id, name: `n${id}` })),
    );
  await loader.putAndLoad([{ key: 'shop/orders/20240101-000001000.parquet', body: rows([1, 2]) }]);
  await loader.putAndLoad([{ key: 'shop/orders/20240101-000002000.parquet', body: rows([3]) }]);
  await loader.putAndLoad([{ key: 'shop/items/20240101-000001000.parquet', body: rows([7, 8]) }]);
});

afterAll(() => fixture.close());

async function count(sql: string): Promise<number> {
  const row = await fixture.conn.queryRow(sql);
  return Number(row?.values()[0]);
}

describe('purge', () => {
  it('deletes the raw rows loaded more than rawDays days ago and prints the count per table', async () => {
    const raw = fixture.target.config.databend.rawDatabase;
    // Age the first orders file by 20 days and one items row by 14: only the former is past 15.
    await fixture.conn.exec(
      `UPDATE ${raw}.orders SET _loaded_at = now() - INTERVAL 20 DAY WHERE _file LIKE '%000001000%'`,
    );
    await fixture.conn.exec(
      `UPDATE ${raw}.items SET _loaded_at = now() - INTERVAL 14 DAY WHERE id = 7`,
    );

    const result = await runCli(fixture.target.config, ['purge']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${raw}\\.items\\s+0 row\\(s\\) deleted$`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${raw}\\.orders\\s+2 row\\(s\\) deleted$`, 'm'));
    expect(result.stdout).toMatch(
      /^2 row\(s\) loaded more than 15 day\(s\) ago deleted from 2 raw table\(s\)/m,
    );
    expect(await count(`SELECT count(*) FROM ${raw}.orders`)).toBe(1);
    expect(await count(`SELECT count(*) FROM ${raw}.items`)).toBe(2);
    // ODS keeps every row: retention is raw's alone.
    expect(
      await count(`SELECT count(*) FROM ${fixture.target.config.databend.odsDatabase}.orders`),
    ).toBe(3);
  });

  it('deletes nothing when run again', async () => {
    const result = await runCli(fixture.target.config, ['purge']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^0 row\(s\) loaded more than 15 day\(s\) ago deleted/m);
  });
});

describe('retention on a schedule', () => {
  it('runs on its cron expression and reports the rows deleted as an event', async () => {
    const raw = fixture.target.config.databend.rawDatabase;
    await fixture.conn.exec(
      `UPDATE ${raw}.items SET _loaded_at = now() - INTERVAL 30 DAY WHERE id = 8`,
    );
    const events = new PipelineEvents();
    const completed: RetentionCompleted[] = [];
    events.on('retention:completed', (e) => completed.push(e));
    // Every second (croner's six-field form), so the test need not wait for 03:00.
    const cron = new RetentionCron({
      cron: '* * * * * *',
      purge: () =>
        purgeRaw(fixture.pool, {
          rawDatabase: raw,
          rawDays: 15,
          writer: {
            controlDatabase: fixture.target.config.databend.controlDatabase,
            owner: 'test',
          },
        }),
      events,
    });
    cron.start();
    const deadline = Date.now() + 15_000;
    while (completed.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await cron.stop();
    expect(completed[0]?.rowsDeleted).toBe(1);
    expect(await count(`SELECT count(*) FROM ${raw}.items`)).toBe(1);
  });
});

describe('run with an invalid retention schedule', () => {
  it('refuses to start, naming retention.cron, with exit code 2', async () => {
    const result = await runCli(
      { ...fixture.target.config, retention: { rawDays: 15, cron: 'every day' } },
      ['run'],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^invalid configuration:\n {2}retention\.cron: .*\(got "every day"\)\n$/,
    );
  });
});
