// A reload is a snapshot, end to end: the DMS simulator stops capture, changes the source
// silently (or truncates it), reloads a table, and goes on capturing; its files land in S3 at
// their creation times (folders deleted as DMS deletes them) and `run` replicates them. ODS must
// equal the source, and every row the source lost without a change row must be a tombstone.
import type { Connection } from 'databend-driver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogTables,
  changeStream,
  keyOf,
  replay,
  type DmsSettings,
  type Simulation,
  type WorkloadOptions,
} from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { quoteIdent } from '../../src/databend/quote.js';
import { dropTargetDatabases, testTarget } from '../support/pipeline.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../support/replicator.js';
import { connect } from '../support/stack.js';

let conn: Connection;
const running: Replicator[] = [];
const configs: Config[] = [];

beforeAll(async () => {
  conn = await connect();
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

afterAll(async () => {
  for (const config of configs) await dropTargetDatabases(conn, config);
  await conn.close();
});

const DMS: Partial<DmsSettings> = { cdcMaxBatchInterval: 2, changeSeqColumn: 'AR_H_CHANGE_SEQ' };

/**
 * A target of its own, the service (started first unless the test means it to be behind), and a
 * simulated task that starts a few seconds from now: its files are delivered at their creation
 * times, so S3's times agree with the files' names.
 */
async function scenario(
  name: string,
  workload: Omit<WorkloadOptions, 'tables' | 'startTime'>,
  service: 'running' | 'behind' = 'running',
  dms: Partial<DmsSettings> = {},
) {
  const tables = catalogTables('shop', 2);
  const { config, pipe } = await testTarget(name, tableSettings(tables), {
    dms: { sourceSeqColumn: 'AR_H_CHANGE_SEQ' },
    removedEvents: true,
    logLevel: process.env.RELOAD_SIM_LOG ?? 'warn',
  });
  configs.push(config);
  const replicator = new Replicator(config);
  running.push(replicator);
  if (service === 'running') {
    replicator.start();
    await serviceReady(config);
  }
  const source = await simulatedSource(
    pipe.bucket,
    {
      durationSeconds: 16,
      transactionsPerSecond: 6,
      initialRows: 30,
      ...workload,
      tables,
      startTime: new Date(Date.now() + 3_000).toISOString(),
    },
    { ...DMS, ...dms },
  );
  return { config, source, replicator };
}

/** Waits until the service has made its control tables: it is polling the queue. */
async function serviceReady(config: Config): Promise<void> {
  const deadline = Date.now() + 120_000;
  const sql = `SELECT count(*)::STRING FROM system.tables WHERE database = '${config.databend.controlDatabase}' AND name = 'reloads'`;
  while ((await conn.queryRow(sql))?.values()[0] !== '1') {
    if (Date.now() > deadline) throw new Error('the service did not start within 120 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Keys the captured changes alone leave live but the source no longer has: only a snapshot deletes them. */
function silentDeletes(simulation: Simulation, table: string): string[] {
  const upserted = replay(changeStream(simulation.files), simulation.tables).get(table);
  const truth = simulation.truth.get(table);
  if (upserted === undefined || truth === undefined) throw new Error(`no table ${table}`);
  return [...upserted.rows.keys()].filter((key) => !truth.rows.has(key)).sort();
}

/** The keys ODS holds as tombstones, in keyOf's form. */
async function tombstones(
  config: Config,
  simulation: Simulation,
  table: string,
): Promise<string[]> {
  const def = simulation.tables.find((t) => `${t.schema}.${t.name}` === table);
  if (def === undefined) throw new Error(`no table ${table}`);
  const columns = def.primaryKey.map((k) => `CAST(${quoteIdent(k)} AS STRING)`).join(', ');
  const rows = await conn.queryAll(
    `SELECT ${columns} FROM ${quoteIdent(config.databend.odsDatabase)}.${quoteIdent(def.name)} WHERE is_deleted`,
  );
  return rows
    .map((r) => {
      const values = r.values().map((v) => String(v));
      return keyOf(def, Object.fromEntries(def.primaryKey.map((k, i) => [k, values[i] ?? null])));
    })
    .sort();
}

/** What the control tables say of the table's reloads: applied generations and their tombstones. */
async function appliedReloads(config: Config, table: string): Promise<string[]> {
  const rows = await conn.queryAll(
    `SELECT tombstoned::STRING FROM ${quoteIdent(config.databend.controlDatabase)}.reloads ` +
      `WHERE table_name = '${table}' AND applied_at IS NOT NULL ORDER BY applied_at`,
  );
  return rows.map((r) => String(r.values()[0]));
}

/**
 * ODS equals the source (no row the source lost is live), the source did lose rows silently,
 * and a snapshot was applied. With the service running along, it had loaded some of those rows
 * (the others were in files DMS deleted first), so some are tombstones now.
 */
async function expectSnapshot(
  config: Config,
  simulation: Simulation,
  table: string,
  service: 'running' | 'behind' = 'running',
) {
  const result = await waitForConvergence(conn, simulation, config, 60_000);
  expect(result.report).toBe('all 2 tables equal');
  const lost = silentDeletes(simulation, table);
  expect(lost.length).toBeGreaterThan(0);
  expect((await appliedReloads(config, table.split('.')[1] ?? '')).length).toBeGreaterThan(0);
  if (service === 'behind') return;
  const dead = await tombstones(config, simulation, table);
  expect(lost.filter((key) => dead.includes(key)).length).toBeGreaterThan(0);
}

describe('a reload through the service', () => {
  it(
    'after a capture gap with silent deletes and updates, loaded in partition folders: ODS equals the source, the lost rows are tombstones',
    { timeout: 400_000 },
    async () => {
      // A parallel full load: LOAD files in partition sub-folders, each rewritten by the reload.
      const { config, source, replicator } = await scenario(
        'rgap',
        { seed: 44, reloads: [{ table: 'orders', atFraction: 0.55, captureGapSeconds: 4 }] },
        'running',
        { loadPartitions: ['p0', 'p1'] },
      );
      expect(
        source.simulation.files.filter((f) => /^shop\/orders\/p[01]\/LOAD/.test(f.key)).length,
      ).toBe(4);
      await source.deliver({ realTime: true });
      if (process.env.RELOAD_SIM_LOG !== undefined)
        console.log(replicator.log.filter((l) => /reload|orders/i.test(l)).join('\n'));
      await expectSnapshot(config, source.simulation, 'shop.orders');
    },
  );

  it(
    'with TargetTablePrepMode=DROP_AND_CREATE: the emptied folder begins the generation',
    { timeout: 400_000 },
    async () => {
      const { config, source } = await scenario('rdrop', {
        seed: 44,
        reloads: [
          {
            table: 'orders',
            atFraction: 0.55,
            captureGapSeconds: 3,
            targetTablePrepMode: 'DROP_AND_CREATE',
          },
        ],
      });
      expect(source.simulation.removals.map((r) => r.why)).toEqual(['drop-and-create']);
      await source.deliver({ realTime: true });
      await expectSnapshot(config, source.simulation, 'shop.orders');
    },
  );

  it(
    'after a source TRUNCATE and a later reload: no row from before the truncate survives',
    { timeout: 400_000 },
    async () => {
      const { config, source } = await scenario('rtrunc', {
        seed: 33,
        truncates: [{ table: 'orders', atFraction: 0.35 }],
        reloads: [{ table: 'orders', atFraction: 0.65 }],
      });
      expect(source.simulation.removals.map((r) => r.why)).toEqual(['truncate']);
      await source.deliver({ realTime: true });
      await expectSnapshot(config, source.simulation, 'shop.orders');
    },
  );

  it(
    'racing the first generation: its events still queued when the new load lands',
    { timeout: 400_000 },
    async () => {
      const { config, source, replicator } = await scenario(
        'rrace',
        { seed: 47, reloads: [{ table: 'orders', atFraction: 0.5, captureGapSeconds: 4 }] },
        'behind',
      );
      // The service is behind: every event, of both generations, waits in the queue.
      await source.deliver({ realTime: true });
      replicator.start();
      await expectSnapshot(config, source.simulation, 'shop.orders', 'behind');
    },
  );
});
