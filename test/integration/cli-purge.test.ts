// `purge` against the local stack: raw rows loaded more than retention.rawDays days ago go, per table.
import type { Connection } from 'databend-driver';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents, type RetentionCompleted } from '../../src/events.js';
import { RetentionCron } from '../../src/lifecycle/retention-cron.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { purgeRaw } from '../../src/control/retention.js';
import { runCli, TestLoader } from '../support/cli.js';
import { parquetBytes, CDC_COLUMNS, DMS_TIMESTAMP } from '../support/parquet.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { connect, s3 } from '../support/stack.js';

let target: TestTarget;
let pool: SessionPool;
let client: S3Client;
let conn: Connection;
let loader: TestLoader;

beforeAll(async () => {
  target = await testTarget('clipurge', {
    'shop.orders': { primaryKey: ['id'] },
    'shop.items': { primaryKey: ['id'] },
  });
  pool = new SessionPool(target.config.databend.dsn);
  client = s3();
  conn = await connect();
  await prepareDatabend(pool, target.config);
  loader = new TestLoader(target.config, pool, client);
  const rows = (ids: number[]) =>
    parquetBytes(
      CDC_COLUMNS,
      ids.map((id) => ({ Op: 'I', [DMS_TIMESTAMP]: '2024-01-01 00:00:01', id, name: `n${id}` })),
    );
  await loader.putAndLoad([{ key: 'shop/orders/20240101-000001000.parquet', body: rows([1, 2]) }]);
  await loader.putAndLoad([{ key: 'shop/orders/20240101-000002000.parquet', body: rows([3]) }]);
  await loader.putAndLoad([{ key: 'shop/items/20240101-000001000.parquet', body: rows([7, 8]) }]);
});

afterAll(async () => {
  await dropTargetDatabases(conn, target.config);
  await conn.close();
  await pool.close();
  client.destroy();
});

async function count(sql: string): Promise<number> {
  const row = await conn.queryRow(sql);
  return Number(row?.values()[0]);
}

describe('purge', () => {
  it('deletes the raw rows loaded more than rawDays days ago and prints the count per table', async () => {
    const raw = target.config.databend.rawDatabase;
    // Age the first orders file by 20 days and one items row by 14: only the former is past 15.
    await conn.exec(
      `UPDATE ${raw}.orders SET _loaded_at = now() - INTERVAL 20 DAY WHERE _file LIKE '%000001000%'`,
    );
    await conn.exec(`UPDATE ${raw}.items SET _loaded_at = now() - INTERVAL 14 DAY WHERE id = 7`);

    const result = await runCli(target.config, ['purge']);

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
    expect(await count(`SELECT count(*) FROM ${target.config.databend.odsDatabase}.orders`)).toBe(
      3,
    );
  });

  it('deletes nothing when run again', async () => {
    const result = await runCli(target.config, ['purge']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^0 row\(s\) loaded more than 15 day\(s\) ago deleted/m);
  });
});

describe('retention on a schedule', () => {
  it('runs on its cron expression and reports the rows deleted as an event', async () => {
    const raw = target.config.databend.rawDatabase;
    await conn.exec(`UPDATE ${raw}.items SET _loaded_at = now() - INTERVAL 30 DAY WHERE id = 8`);
    const events = new PipelineEvents();
    const completed: RetentionCompleted[] = [];
    events.on('retention:completed', (e) => completed.push(e));
    // Every second (croner's six-field form), so the test need not wait for 03:00.
    const cron = new RetentionCron({
      cron: '* * * * * *',
      purge: () =>
        purgeRaw(pool, {
          rawDatabase: raw,
          rawDays: 15,
          writer: { controlDatabase: target.config.databend.controlDatabase, owner: 'test' },
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
      { ...target.config, retention: { rawDays: 15, cron: 'every day' } },
      ['run'],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^invalid configuration:\n {2}retention\.cron: .*\(got "every day"\)\n$/,
    );
  });
});
