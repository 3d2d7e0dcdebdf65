// reconcile against the local stack's real MariaDB: equal after a normal run; each kind of drift
// found with its exact keys; --repair --apply heals them and a second run is clean.
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { qualified, quoteString } from '../../src/databend/quote.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import {
  reconcile,
  type ReconcileReport,
  type TableReport,
} from '../../src/reconcile/reconcile.js';
import {
  applyToMysql,
  catalogTables,
  changeStream,
  compareOds,
  replay,
  type DmsFile,
  type Simulation,
  type Truth,
} from '../../sim/index.js';
import { runCli } from '../support/cli.js';
import { dropSourceSchema, mysqlRoot, mysqlStack } from '../support/mysql-source.js';
import { dropTargetDatabases, testTarget } from '../support/pipeline.js';
import { Replicator, simulatedSource, tableSettings } from '../support/replicator.js';
import { connect, uniqueName } from '../support/stack.js';

const SCHEMA = uniqueName('rc').toLowerCase();
const tables = catalogTables(SCHEMA, 4);

let config: Config;
let conn: Connection;
let pool: SessionPool;
let simulation: Simulation;
let replicator: Replicator;
let droppedFile: DmsFile;

async function waitForTruth(truth: Truth, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let report = '';
  while (Date.now() < deadline) {
    try {
      const result = await compareOds(conn, truth, { database: config.databend.odsDatabase });
      if (result.equal) return;
      report = result.report;
    } catch (error) {
      report = String(error);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`ODS did not converge:\n${report}`);
}

function run(repair: 'off' | 'plan' | 'apply' = 'off'): Promise<ReconcileReport> {
  return reconcile(config, pool, {
    sourceUrl: mysqlStack().reconcileUrl,
    tables: tables.map((t) => `${t.schema}.${t.name}`),
    chunkRows: 25,
    maxRowsPerSecond: 0,
    settleMs: 2_000,
    pollMs: 500,
    asOf: undefined,
    repair,
  });
}

const tableOf = (report: ReconcileReport, name: string): TableReport => {
  const t = report.tables.find((x) => x.table === `${SCHEMA}.${name}`);
  if (t === undefined) throw new Error(`no report for ${name}`);
  return t;
};
const keysOf = (keys: readonly { key: readonly string[] }[]): string[] =>
  keys.map((k) => JSON.stringify(k.key)).sort();

beforeAll(async () => {
  ({ config } = await testTarget('reconcile', tableSettings(tables)));
  const source = await simulatedSource(
    config.s3.bucket,
    { seed: 18, tables, durationSeconds: 8, transactionsPerSecond: 8, initialRows: 60 },
    { cdcMaxBatchInterval: 2 },
  );
  simulation = source.simulation;
  await applyToMysql(simulation, mysqlStack().rootUrl);
  // One CDC file of `orders` never reaches the bucket: the last one, whose changes no later
  // file overwrites.
  const ordersCdc = simulation.files.filter(
    (f) => f.table === `${SCHEMA}.orders` && f.kind === 'cdc',
  );
  const last = ordersCdc.at(-1);
  if (last === undefined) throw new Error('the simulation wrote no CDC file for orders');
  droppedFile = last;
  conn = await connect();
  pool = new SessionPool(config.databend.dsn);
  replicator = new Replicator(config);
  replicator.start();
  await source.deliver({}, (f) => f.id !== droppedFile.id);
  await waitForTruth(
    replay(
      changeStream(simulation.files.filter((f) => f.id !== droppedFile.id)),
      simulation.tables,
    ),
  );
}, 400_000);

afterAll(async () => {
  await replicator.stop();
  await pool.close();
  await dropTargetDatabases(conn, config);
  await conn.close();
  await dropSourceSchema(SCHEMA);
});

describe('reconcile against the real MariaDB source', () => {
  it(
    'finds every kind of drift with its exact keys, and nothing else',
    { timeout: 300_000 },
    async () => {
      // The keys the dropped file decided: where the truth and the replay without it differ.
      const withoutFile = replay(
        changeStream(simulation.files.filter((f) => f.id !== droppedFile.id)),
        simulation.tables,
      ).get(`${SCHEMA}.orders`);
      const truthOrders = simulation.truth.get(`${SCHEMA}.orders`);
      if (withoutFile === undefined || truthOrders === undefined)
        throw new Error('no orders truth');
      const droppedKeys = [...new Set([...withoutFile.rows.keys(), ...truthOrders.rows.keys()])]
        .filter(
          (k) =>
            JSON.stringify(withoutFile.rows.get(k) ?? null) !==
            JSON.stringify(truthOrders.rows.get(k) ?? null),
        )
        .sort();
      expect(droppedKeys.length).toBeGreaterThan(0);

      const customers = simulation.tables.find((t) => t.name === 'customers');
      if (customers === undefined) throw new Error('no customers table');
      const liveKeys = [...(simulation.truth.get(`${SCHEMA}.customers`)?.rows.keys() ?? [])];
      const [tampered, deletedAtSource] = liveKeys.map((k) => (JSON.parse(k) as string[])[0]);
      if (tampered === undefined || deletedAtSource === undefined) throw new Error('too few rows');
      const ods = qualified(config.databend.odsDatabase, 'customers');
      // A value changed in ODS behind the pipeline's back.
      await conn.exec(`UPDATE ${ods} SET name = 'tampered' WHERE id = ${Number(tampered)}`);
      // A row inserted only in ODS, with an old `_seq`.
      const oldSeq =
        '20240101000000-1-000000-' + '0'.repeat(40) + '-1' + '0'.repeat(30) + '-0000000000';
      await conn.exec(
        `INSERT INTO ${ods} (id, name, is_deleted, _seq, _updated_at) VALUES (4000000000, 'ghost', false, ${quoteString(oldSeq)}, now())`,
      );
      // A row deleted only at the source, with no D.
      const mysql = await mysqlRoot();
      await mysql.query(`DELETE FROM \`${SCHEMA}\`.customers WHERE id = ?`, [deletedAtSource]);
      await mysql.end();

      const report = await run();
      expect(report.equal).toBe(false);
      const orders = tableOf(report, 'orders');
      expect(
        keysOf([...orders.missingInOds, ...orders.extraInOds, ...orders.valuesDiffer]),
      ).toEqual(droppedKeys);
      const c = tableOf(report, 'customers');
      expect(c.valuesDiffer).toEqual([{ key: [tampered], columns: ['name'] }]);
      expect(keysOf(c.extraInOds)).toEqual(
        keysOf([{ key: [deletedAtSource] }, { key: ['4000000000'] }]),
      );
      expect(c.missingInOds).toEqual([]);
      expect(c.inFlight).toEqual([]);
      for (const name of ['order_items', 'all_types'])
        expect(tableOf(report, name).status).toBe('equal');
    },
  );

  it(
    'plans a repair without writing, then --repair --apply heals it and a second run is clean',
    { timeout: 300_000 },
    async () => {
      const common = [
        'reconcile',
        '--source',
        mysqlStack().reconcileUrl,
        ...tables.flatMap((t) => ['--table', `${t.schema}.${t.name}`]),
        '--settle-seconds',
        '2',
        '--chunk-rows',
        '40',
      ];
      const plan = await runCli(config, [...common, '--repair']);
      expect(plan.stdout).toMatch(
        /repair plan +\S+\.customers +would write 1 row\(s\) re-read from the source and 2 tombstone\(s\)/,
      );
      expect(plan.code).toBe(1);

      const applied = await runCli(config, [...common, '--repair', '--apply', '--json'], 240_000);
      const report = JSON.parse(applied.stdout) as ReconcileReport;
      expect(report.tables.map((t) => [t.table.split('.')[1], t.status])).toEqual([
        ['customers', 'repaired'],
        ['orders', 'repaired'],
        ['order_items', 'equal'],
        ['all_types', 'equal'],
      ]);
      expect(applied.code).toBe(0);

      // The synthetic changes are in raw, with their lineage.
      const lineage = await conn.queryAll(
        `SELECT \`Op\`, _file FROM ${qualified(config.databend.rawDatabase, 'customers')} WHERE _file LIKE 'reconcile:%' ORDER BY \`Op\``,
      );
      expect(lineage.map((r) => String(r.values()[0]))).toEqual(['D', 'D', 'I']);
      expect(String(lineage[0]?.values()[1])).toMatch(
        /^reconcile:mysql:\/\/reconcile:\*\*\*@127\.0\.0\.1:\d+\/#\S+\.customers@\d{4}-/,
      );

      const again = await runCli(config, [...common]);
      expect(again.stdout).toContain('verdict: ODS equals the source');
      expect(again.code).toBe(0);
    },
  );
});
