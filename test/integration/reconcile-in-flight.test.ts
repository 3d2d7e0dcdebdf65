// A reconcile that runs while changes flow: the keys the service has not applied yet differ in
// the first pass, and settle as the files arrive, so nothing spurious is reported.
import type { Connection } from 'databend-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { qualified } from '../../src/databend/quote.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { applyToMysql, catalogTables } from '../../sim/index.js';
import { dropSourceSchema, mysqlStack } from '../support/mysql-source.js';
import { dropTargetDatabases, testTarget } from '../support/pipeline.js';
import { Replicator, simulatedSource, tableSettings } from '../support/replicator.js';
import { connect, uniqueName } from '../support/stack.js';

const SCHEMA = uniqueName('rcflow').toLowerCase();
const tables = catalogTables(SCHEMA, 2);
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function waitForLoads(conn: Connection, control: string, files: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const row = await conn.queryRow(
        `SELECT count(*) FROM ${qualified(control, 'files')} WHERE file_kind = 'load'`,
      );
      if (Number(row?.values()[0]) >= files) return;
    } catch {
      // The ledger appears with the first batch.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the full loads did not finish');
}

describe('reconcile while changes flow', () => {
  it('reports nothing spurious', { timeout: 400_000 }, async () => {
    const { config } = await testTarget('reconcile_flow', tableSettings(tables));
    const source = await simulatedSource(
      config.s3.bucket,
      { seed: 81, tables, durationSeconds: 12, transactionsPerSecond: 10, initialRows: 80 },
      { cdcMaxBatchInterval: 1 },
    );
    const { simulation } = source;
    // The source is ahead of the files, as it always is: it holds the final state already.
    await applyToMysql(simulation, mysqlStack().rootUrl);
    cleanups.push(() => dropSourceSchema(SCHEMA));
    const conn = await connect();
    const pool = new SessionPool(config.databend.dsn);
    const replicator = new Replicator(config);
    cleanups.push(async () => {
      await replicator.stop();
      await pool.close();
      await dropTargetDatabases(conn, config);
      await conn.close();
    });
    replicator.start();
    const loads = simulation.files.filter((f) => f.kind === 'load').length;
    await source.deliver({}, (f) => f.kind === 'load');
    await waitForLoads(conn, config.databend.controlDatabase, loads);

    const cdc = simulation.files.filter((f) => f.kind === 'cdc').length;
    expect(cdc).toBeGreaterThan(10);
    const delivering = source.deliver({ intervalMs: 500 }, (f) => f.kind === 'cdc');
    const report = await reconcile(config, pool, {
      sourceUrl: mysqlStack().reconcileUrl,
      tables: tables.map((t) => `${t.schema}.${t.name}`),
      chunkRows: 20,
      maxRowsPerSecond: 0,
      settleMs: 120_000,
      pollMs: 500,
      asOf: undefined,
      repair: 'off',
    });
    await delivering;

    // The first pass did meet changes in flight…
    expect(report.tables.reduce((n, t) => n + t.chunksDiffering, 0)).toBeGreaterThan(0);
    // …and none of them was reported.
    for (const t of report.tables) {
      expect(t.status, JSON.stringify(t)).toBe('equal');
      expect([...t.missingInOds, ...t.extraInOds, ...t.valuesDiffer, ...t.inFlight]).toEqual([]);
    }
    expect(report.equal).toBe(true);
  });
});
