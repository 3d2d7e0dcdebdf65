// The running service's operational metrics: build_info, dependency_up, the last commit per
// table, held files and a lag computed at scrape time (0 for a quiet table, the age of the oldest
// held file for a paused one), with their Prometheus types and labels.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../stack/processes.js';
import { insertsFile } from '../support/parquet.js';
import { runCli } from '../support/cli.js';
import type { TestTarget } from '../support/pipeline.js';
import { s3 } from '../support/stack.js';
import { useTestTargets } from '../support/targets.js';
import { waitUntil } from '../support/wait.js';

const targets = useTestTargets();
let s3Client: S3Client;
let target: TestTarget;

beforeAll(async () => {
  s3Client = s3();
  target = await targets.target('opsmetrics', {
    'shop.orders': { primaryKey: ['id'] },
    'shop.items': { primaryKey: ['id'] },
  });
});

afterAll(() => {
  s3Client.destroy();
});

/** Series of one metric: labels (as text) → value. */
function series(body: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of body.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] === name) found.set(match[2] ?? '', Number(match[3]));
  }
  return found;
}

it('exports build_info, dependency_up, last commits, held files and scrape-time lag, and /status', async () => {
  const port = await freePort();
  const config = { ...target.config, http: { host: '127.0.0.1', port } };
  const { bucket } = target.pipe;
  const put = (key: string, body: Buffer) =>
    s3Client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const paused = await runCli(config, ['pause', '--table', 'items', '--reason', 'test']);
  expect(paused.code).toBe(0);

  const replicator = targets.started(config);
  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await put('shop/orders/20240101-000001000.parquet', insertsFile([1]));
  await put('shop/items/20240101-000001000.parquet', insertsFile([2]));
  let body = '';
  await waitUntil(
    'the metrics',
    async () => {
      body = await scrape().catch(() => '');
      return (
        series(body, 'bend_replicator_last_commit_timestamp_seconds').has('table="orders"') &&
        series(body, 'bend_replicator_held_files').get('table="items"') === 1
      );
    },
    120_000,
  );

  for (const [name, type] of [
    ['build_info', 'gauge'],
    ['dependency_up', 'gauge'],
    ['last_commit_timestamp_seconds', 'gauge'],
    ['lag_seconds', 'gauge'],
    ['held_files', 'gauge'],
    ['tables_paused', 'gauge'],
  ])
    expect(body).toContain(`# TYPE bend_replicator_${name} ${type}`);

  const [buildLabels] = [...series(body, 'bend_replicator_build_info')];
  expect(buildLabels?.[0]).toMatch(/^version="\d+\.\d+\.\d+",commit="[^"]+",node="[^"]+"$/);
  expect(buildLabels?.[1]).toBe(1);

  expect(Object.fromEntries(series(body, 'bend_replicator_dependency_up'))).toEqual({
    'dependency="databend"': 1,
    'dependency="s3"': 1,
    'dependency="sqs"': 1,
  });

  const committedAt = series(body, 'bend_replicator_last_commit_timestamp_seconds').get(
    'table="orders"',
  );
  expect(Math.abs((committedAt ?? 0) - Date.now() / 1000)).toBeLessThan(60);

  const lag = series(body, 'bend_replicator_lag_seconds');
  // orders: its file committed and nothing waits. items: a held file, waiting since its event.
  expect(lag.get('table="orders"')).toBe(0);
  expect(lag.get('table="items"')).toBeGreaterThan(0);
  expect(lag.get('table="items"')).toBeLessThan(120);
  expect(series(body, 'bend_replicator_tables_paused').get('table="items"')).toBe(1);

  // GET /status: the facts of `status --json` and the files held in this process's view.
  const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
    tables: { table: string; paused: boolean; files: number }[];
    queue: unknown;
    held: { table: string; files: number }[];
    pending: unknown[];
  };
  expect(status.tables).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ table: 'orders', paused: false, files: 1 }),
      expect.objectContaining({ table: 'items', paused: true }),
    ]),
  );
  expect(status.held).toEqual([expect.objectContaining({ table: 'items', files: 1 })]);
  expect(status.queue).toBeDefined();

  // A restarted process takes the last commit from the ledger.
  await replicator.stop();
  targets.started(config);
  await waitUntil(
    'the metrics',
    async () => {
      body = await scrape().catch(() => '');
      return series(body, 'bend_replicator_last_commit_timestamp_seconds').has('table="orders"');
    },
    120_000,
  );
  expect(
    Math.abs(
      (series(body, 'bend_replicator_last_commit_timestamp_seconds').get('table="orders"') ?? 0) -
        (committedAt ?? 0),
    ),
  ).toBeLessThan(2);
}, 300_000);
