// `backfill` on the local stack: the dry run lists exactly what the ledger lacks, and a backfill
// converges a table the service never saw, full load first, then CDC_COLUMNS by name.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackfill, type BackfillOptions } from '../../src/cli/backfill.js';
import type { Config } from '../../src/config.js';
import { PipelineEvents } from '../../src/events.js';
import { loadStackEnv, s3, sqs } from '../support/stack.js';
import { cdc, load, odsRows, put, scalar } from '../support/listing-scenario.js';
import { useTestTargets } from '../support/targets.js';

const repoRoot = join(import.meta.dirname, '..', '..');

const targets = useTestTargets();
const client = s3();
const queue = sqs();

afterAll(() => {
  client.destroy();
  queue.destroy();
});

/** A bucket whose notifications are thrown away: only a listing can find its files. */
async function target(name: string, batching: Record<string, unknown> = {}): Promise<Config> {
  const t = await targets.target(
    name,
    { 'shop.customers': { primaryKey: ['id'] }, 'shop.orders': { primaryKey: ['id'] } },
    { batching },
  );
  return t.config;
}

async function purge(config: Config): Promise<void> {
  await queue.send(new PurgeQueueCommand({ QueueUrl: config.sqs.queueUrl }));
}

interface Run {
  code: number;
  out: string[];
  err: string;
}

async function backfill(
  config: Config,
  options: BackfillOptions,
  events?: PipelineEvents,
): Promise<Run> {
  const out: string[] = [];
  let err = '';
  const code = await runBackfill(config, options, {
    out: (line) => out.push(line),
    err: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        err += chunk.toString('utf8');
        callback();
      },
    }),
    clients: { s3: client },
    ...(events === undefined ? {} : { events }),
  });
  return { code, out, err };
}

/** The real command line, as an operator runs it. */
async function cli(config: Config, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'backfill-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const stack = loadStackEnv();
  return promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src', 'main.ts'), 'backfill', ...args],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        BEND_REPLICATOR_CONFIG: file,
        AWS_ACCESS_KEY_ID: stack.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.secretAccessKey,
      },
    },
  );
}

const listedKeys = (lines: readonly string[]): string[] =>
  lines.filter((l) => l.startsWith('  ')).map((l) => l.slice(2));

describe('backfill', () => {
  it('--dry-run lists exactly the files the ledger lacks, in load order, and loads nothing', async () => {
    const config = await target('backfill_dry');
    await put(
      client,
      config,
      'shop/customers/LOAD00000001.parquet',
      load([{ id: 1, name: 'ann' }]),
    );
    await put(
      client,
      config,
      'shop/customers/20240612-100001000.parquet',
      cdc(1, [{ Op: 'U', id: 1, name: 'anna' }]),
    );
    expect((await backfill(config, {})).code).toBe(0);
    const ledger = `SELECT count(*) FROM ${config.databend.controlDatabase}.files`;
    expect(await scalar(targets.conn, ledger)).toBe(2);

    // New since: two CDC_COLUMNS files, a reload of the full load (same key, new ETag), a stray object.
    await put(
      client,
      config,
      'shop/customers/20240612-100003000.parquet',
      cdc(3, [{ Op: 'U', id: 1, name: 'annie' }]),
    );
    await put(
      client,
      config,
      'shop/customers/20240612-100002000.parquet',
      cdc(2, [{ Op: 'I', id: 2, name: 'bob' }]),
    );
    await put(
      client,
      config,
      'shop/customers/LOAD00000001.parquet',
      load([{ id: 1, name: 'ann r' }]),
    );
    await put(client, config, 'shop/customers/notes.txt', 'not a DMS file');

    const { stdout } = await cli(config, ['--dry-run']);
    const lines = stdout.trimEnd().split('\n');
    expect(listedKeys(lines)).toEqual([
      'shop/customers/LOAD00000001.parquet',
      'shop/customers/20240612-100002000.parquet',
      'shop/customers/20240612-100003000.parquet',
    ]);
    expect(lines[0]).toMatch(
      /^would load 3 file\(s\), .* into 1 table\(s\) \(1 already loaded, 1 outside the DMS layout;/,
    );
    expect(lines[1]).toMatch(/^customers \(shop\.customers\): 3 file\(s\)/);
    expect(await scalar(targets.conn, ledger)).toBe(2);
  });

  it('--table, --prefix and --since narrow what is listed', async () => {
    const config = await target('backfill_filters');
    await put(
      client,
      config,
      'shop/customers/LOAD00000001.parquet',
      load([{ id: 1, name: 'ann' }]),
    );
    await put(client, config, 'shop/orders/LOAD00000001.parquet', load([{ id: 1, name: 'o1' }]));
    const dry = async (options: BackfillOptions): Promise<string[]> =>
      listedKeys((await backfill(config, { ...options, dryRun: true })).out);
    expect(await dry({ table: 'shop.orders' })).toEqual(['shop/orders/LOAD00000001.parquet']);
    expect(await dry({ table: 'customers' })).toEqual(['shop/customers/LOAD00000001.parquet']);
    expect(await dry({ prefix: 'shop/ord' })).toEqual(['shop/orders/LOAD00000001.parquet']);
    expect(await dry({ since: '1h' })).toHaveLength(2);
    expect(await dry({ since: '2999-01-01' })).toEqual([]);
    expect((await backfill(config, { since: 'yesterday' })).code).toBe(2);
  });

  it('converges a never-seen table: full-load files first, then CDC_COLUMNS by name', async () => {
    const config = await target('backfill_new', { maxFiles: 2, maxWaitMs: 0 });
    const files: [string, Buffer][] = [
      [
        'shop/orders/20240612-100002000.parquet',
        cdc(2, [
          { Op: 'D', id: 6, name: 'f' },
          { Op: 'I', id: 2, name: 'bee' },
        ]),
      ],
      [
        'shop/orders/LOAD00000002.parquet',
        load([
          { id: 4, name: 'd' },
          { id: 5, name: 'e' },
        ]),
      ],
      [
        'shop/orders/20240612-100001000.parquet',
        cdc(1, [
          { Op: 'U', id: 1, name: 'aa' },
          { Op: 'D', id: 2, name: 'b' },
          { Op: 'I', id: 6, name: 'f' },
        ]),
      ],
      [
        'shop/orders/LOAD00000001.parquet',
        load([
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
          { id: 3, name: 'c' },
        ]),
      ],
      ['shop/orders/20240612-100003000.parquet', cdc(3, [{ Op: 'U', id: 4, name: 'dd' }])],
    ];
    for (const [key, body] of files) await put(client, config, key, body);
    await purge(config);

    const events = new PipelineEvents();
    const batches: string[] = [];
    events.on('batch:committed', (e) => batches.push(e.batchId));
    const run = await backfill(config, {}, events);
    expect(run.code).toBe(0);

    expect(await odsRows(targets.conn, config, 'orders')).toEqual([
      ['1', 'aa', false],
      ['2', 'bee', false],
      ['3', 'c', false],
      ['4', 'dd', false],
      ['5', 'e', false],
      ['6', 'f', true],
    ]);
    // Batches of two, committed in DMS order.
    const ledger = await targets.conn.queryAll(
      `SELECT batch_id, object_key FROM ${config.databend.controlDatabase}.files`,
    );
    const keysOf = (batch: string): string[] =>
      ledger
        .map((r) => r.values() as string[])
        .filter(([b]) => b === batch)
        .map(([, key]) => key ?? '')
        .sort();
    expect(batches.map(keysOf)).toEqual([
      ['shop/orders/LOAD00000001.parquet', 'shop/orders/LOAD00000002.parquet'],
      ['shop/orders/20240612-100001000.parquet', 'shop/orders/20240612-100002000.parquet'],
      ['shop/orders/20240612-100003000.parquet'],
    ]);
    expect(run.out[0]).toMatch(/^loaded 5 file\(s\), 11 row\(s\) in [\d.]+ s; 0 not loaded$/);
    expect(run.out.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['table', 'files', 'rows', 'already', 'failed'],
      ['orders', '5', '11', '0', '0'],
      ['total', '5', '11', '0', '0'],
    ]);
    // Not a terminal: no progress bar (stderr keeps only warnings, as JSON lines).
    expect(run.err).not.toContain('backfill [');
    expect(run.err.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);

    const again = await backfill(config, {});
    expect(again.code).toBe(0);
    expect(again.out.slice(2).map((l) => l.split(/\s+/))).toEqual([
      ['orders', '0', '0', '5', '0'],
      ['total', '0', '0', '5', '0'],
    ]);
  });

  it('finishes and exits 1 when a bad file pauses its table, loading the other tables', async () => {
    // One file per batch, so the table is paused while its CDC_COLUMNS file still waits.
    const config = await target('backfill_bad', { maxFiles: 1 });
    await put(client, config, 'shop/orders/LOAD00000001.parquet', 'not parquet at all');
    await put(
      client,
      config,
      'shop/orders/20240612-100001000.parquet',
      cdc(1, [{ Op: 'I', id: 9, name: 'i' }]),
    );
    await put(
      client,
      config,
      'shop/customers/LOAD00000001.parquet',
      load([{ id: 1, name: 'ann' }]),
    );
    const run = await backfill(config, {});
    expect(run.code).toBe(1);
    expect(await odsRows(targets.conn, config, 'customers')).toEqual([['1', 'ann', false]]);
    expect(
      run.out.some((l) => l.startsWith('not loaded: shop/orders/LOAD00000001.parquet: poison:')),
    ).toBe(true);
    expect(run.out.find((l) => l.startsWith('total'))?.split(/\s+/)).toEqual([
      'total',
      '1',
      '1',
      '0',
      '2',
    ]);
  });
});
