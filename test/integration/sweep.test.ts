// The reconciliation sweep on the local stack: files whose notifications never arrived are loaded
// by the sweep, counted, and loaded once, whichever way they arrive.
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents, type FileOutcome } from '../../src/events.js';
import { BucketLister } from '../../src/ingest/bucket-lister.js';
import { DatabendLedgerReader } from '../../src/control/ledger-reader.js';
import { replicationLoop, type ReplicationLoop } from '../../src/cli/replication-loop.js';
import { Sweep } from '../../src/ingest/sweep.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { s3, sqs } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { cdc, load, odsRows, put, scalar } from '../support/listing-scenario.js';
import { useTestTargets } from '../support/targets.js';

/** `run` as run.ts composes it, in this process so the test can watch its events and metrics. */
class Service {
  readonly events = new PipelineEvents();
  readonly metrics = new Metrics({ defaultMetrics: false });
  readonly found: string[] = [];
  readonly outcomes: FileOutcome[] = [];
  readonly loop: ReplicationLoop;
  readonly sweep: Sweep;
  private readonly pool: SessionPool;
  private readonly s3 = s3();
  private readonly sqs = sqs();

  constructor(config: Config, options: { lookbackMs?: number } = {}) {
    const logger = pino({ level: 'silent' });
    this.metrics.subscribe(this.events);
    this.events.on('file:found-by-sweep', (e) => this.found.push(e.key ?? ''));
    this.events.on('file:outcome', (e) => this.outcomes.push(e));
    this.pool = new SessionPool(config.databend.dsn);
    this.loop = replicationLoop({
      config,
      logger,
      events: this.events,
      pool: this.pool,
      s3: this.s3,
      sqs: this.sqs,
    });
    this.sweep = new Sweep({
      config,
      lister: new BucketLister(this.s3, config.s3.bucket),
      ledger: new DatabendLedgerReader(this.pool, config),
      events: this.events,
      logger,
      submit: (ref) => this.loop.pipeline.submit(ref),
      pausedTables: () => this.loop.pipeline.pausedTables(),
      ...options,
    });
  }

  async start(): Promise<void> {
    await this.loop.start();
    this.sweep.start();
  }

  async stop(): Promise<void> {
    await this.sweep.stop();
    await this.loop.stop(AbortSignal.timeout(10_000));
    await this.pool.close();
    this.s3.destroy();
    this.sqs.destroy();
  }

  async foundMetric(table: string): Promise<number> {
    const { body } = await this.metrics.render();
    const line = body
      .split('\n')
      .find((l) => l.startsWith(`bend_replicator_files_found_by_sweep_total{table="${table}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  }
}

const targets = useTestTargets();
const client = s3();
const queue = sqs();

afterAll(() => {
  client.destroy();
  queue.destroy();
});

async function target(name: string, sweep: Config['sweep']): Promise<Config> {
  const t = await targets.target(name, { 'shop.customers': { primaryKey: ['id'] } });
  return { ...t.config, sweep };
}

const ledgerRows = (config: Config): Promise<number> =>
  scalar(targets.conn, `SELECT count(*) FROM ${config.databend.controlDatabase}.files`);

/** Every file once in the ledger, every change once in raw. */
async function expectLoadedOnce(config: Config, files: number): Promise<void> {
  const { controlDatabase, rawDatabase } = config.databend;
  expect(await ledgerRows(config)).toBe(files);
  expect(
    await scalar(
      targets.conn,
      `SELECT count(*) FROM (SELECT object_key, etag FROM ${controlDatabase}.files GROUP BY 1, 2 HAVING count(*) > 1)`,
    ),
  ).toBe(0);
  expect(
    await scalar(
      targets.conn,
      `SELECT count(*) FROM (SELECT _file, _row FROM ${rawDatabase}.customers GROUP BY 1, 2 HAVING count(*) > 1)`,
    ),
  ).toBe(0);
}

async function setNotifications(config: Config, on: boolean, saved: unknown): Promise<unknown> {
  const current = await client.send(
    new GetBucketNotificationConfigurationCommand({ Bucket: config.s3.bucket }),
  );
  await client.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: config.s3.bucket,
      NotificationConfiguration: on
        ? { QueueConfigurations: (saved as typeof current).QueueConfigurations ?? [] }
        : {},
    }),
  );
  return current;
}

describe('the reconciliation sweep', () => {
  it('loads at start-up the files written while the service was down, their messages purged', async () => {
    const config = await target('sweep_down', { intervalMinutes: 60, graceSeconds: 0 });
    const before = new Service(config);
    await before.start();
    await put(
      client,
      config,
      'shop/customers/LOAD00000001.parquet',
      load([
        { id: 1, name: 'ann' },
        { id: 2, name: 'bob' },
        { id: 3, name: 'cy' },
      ]),
    );
    await waitUntil('the full load is loaded from its event', async () => {
      return (await ledgerRows(config)) === 1;
    });
    await before.stop();

    // Down: two CDC_COLUMNS files are written and their messages are lost.
    await put(
      client,
      config,
      'shop/customers/20240612-100001000.parquet',
      cdc(1, [
        { Op: 'U', id: 1, name: 'anna' },
        { Op: 'D', id: 2, name: 'bob' },
      ]),
    );
    await put(
      client,
      config,
      'shop/customers/20240612-100002000.parquet',
      cdc(2, [{ Op: 'I', id: 4, name: 'dee' }]),
    );
    await queue.send(new PurgeQueueCommand({ QueueUrl: config.sqs.queueUrl }));
    const attrs = await queue.send(
      new GetQueueAttributesCommand({
        QueueUrl: config.sqs.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('0');

    const after = new Service(config);
    await after.start();
    try {
      await waitUntil('the start-up sweep loaded both files', async () => {
        return (await ledgerRows(config)) === 3;
      });
      expect(await odsRows(targets.conn, config, 'customers')).toEqual([
        ['1', 'anna', false],
        ['2', 'bob', true],
        ['3', 'cy', false],
        ['4', 'dee', false],
      ]);
      expect(after.found.sort()).toEqual([
        'shop/customers/20240612-100001000.parquet',
        'shop/customers/20240612-100002000.parquet',
      ]);
      expect(await after.foundMetric('customers')).toBe(2);
      await expectLoadedOnce(config, 3);
    } finally {
      await after.stop();
    }
  });

  it('catches up on files written while notifications were off, and loads nothing twice', async () => {
    // Sweeps every 3 s; a file is left to its event for its first 15 s.
    const config = await target('sweep_off', { intervalMinutes: 0.05, graceSeconds: 15 });
    const service = new Service(config);
    await service.start();
    try {
      await put(
        client,
        config,
        'shop/customers/LOAD00000001.parquet',
        load([
          { id: 1, name: 'ann' },
          { id: 2, name: 'bob' },
        ]),
      );
      await put(
        client,
        config,
        'shop/customers/20240612-100001000.parquet',
        cdc(1, [{ Op: 'U', id: 1, name: 'anna' }]),
      );
      await waitUntil('both files are loaded from their events', async () => {
        return (await ledgerRows(config)) === 2;
      });

      const saved = await setNotifications(config, false, undefined);
      await put(
        client,
        config,
        'shop/customers/20240612-100002000.parquet',
        cdc(2, [{ Op: 'D', id: 2, name: 'bob' }]),
      );
      await put(
        client,
        config,
        'shop/customers/20240612-100003000.parquet',
        cdc(3, [{ Op: 'I', id: 3, name: 'cy' }]),
      );
      await waitUntil('the periodic sweep loaded both files', async () => {
        return (await ledgerRows(config)) === 4;
      });
      expect(service.found.sort()).toEqual([
        'shop/customers/20240612-100002000.parquet',
        'shop/customers/20240612-100003000.parquet',
      ]);

      await setNotifications(config, true, saved);
      await put(
        client,
        config,
        'shop/customers/20240612-100004000.parquet',
        cdc(4, [{ Op: 'U', id: 3, name: 'cyd' }]),
      );
      await waitUntil('the last file is loaded from its event', async () => {
        return (await ledgerRows(config)) === 5;
      });
      // Once every file is past the grace period, a sweep finds nothing more.
      await new Promise((r) => setTimeout(r, 15_500));
      const report = await service.sweep.runOnce();
      expect(report.found).toBe(0);
      expect(report.listed).toBe(5);
      expect(service.found).toHaveLength(2);
      expect(await service.foundMetric('customers')).toBe(2);

      expect(await odsRows(targets.conn, config, 'customers')).toEqual([
        ['1', 'anna', false],
        ['2', 'bob', true],
        ['3', 'cyd', false],
      ]);
      await expectLoadedOnce(config, 5);
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('loads a file once when its event and the sweep hand it over together', async () => {
    const config = await target('sweep_both', { intervalMinutes: 60, graceSeconds: 0 });
    const service = new Service(config);
    await service.loop.start();
    try {
      const key = 'shop/customers/LOAD00000001.parquet';
      await put(client, config, key, load([{ id: 1, name: 'ann' }]));
      const report = await service.sweep.runOnce();
      expect(report.found).toBe(1);
      await service.sweep.settled();
      await waitUntil('the event was handled too', async () => {
        return Promise.resolve(service.outcomes.filter((o) => o.key === key).length === 2);
      });
      expect(service.outcomes.filter((o) => o.key === key).map((o) => o.outcome)).toEqual([
        'done',
        'done',
      ]);
      await expectLoadedOnce(config, 1);
      expect(await odsRows(targets.conn, config, 'customers')).toEqual([['1', 'ann', false]]);
    } finally {
      await service.stop();
    }
  });

  it('lists a table from after the newest CDC_COLUMNS key loaded before the look-back period', async () => {
    const config = await target('sweep_cursor', { intervalMinutes: 60, graceSeconds: 0 });
    const service = new Service(config, { lookbackMs: 0 });
    await service.loop.start();
    try {
      await put(
        client,
        config,
        'shop/customers/LOAD00000001.parquet',
        load([{ id: 1, name: 'ann' }]),
      );
      for (const second of [1, 2, 3])
        await put(
          client,
          config,
          `shop/customers/20240612-10000${second}000.parquet`,
          cdc(second, [{ Op: 'U', id: 1, name: `ann${second}` }]),
        );
      await waitUntil('all four files are loaded', async () => {
        return (await ledgerRows(config)) === 4;
      });
      // Only the full-load range sorts after the newest CDC_COLUMNS key: one object listed, not four.
      const report = await service.sweep.runOnce();
      expect(report).toMatchObject({ tables: 1, listed: 1, found: 0, listRequests: 3 });
    } finally {
      await service.stop();
    }
  });
});
