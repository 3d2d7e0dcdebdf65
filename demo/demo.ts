// `npm run demo`: the whole pipeline on one machine. Starts the local stack, simulates a MySQL
// source replicated by DMS (a full load, then inserts, updates, deletes and one ADD COLUMN),
// runs the service, and ends with a per-table verdict that ODS equals the source, then with
// `reconcile`'s verdict against the real MySQL source (MariaDB) the simulator wrote.
import { SessionPool } from '../src/databend/session-pool.js';
import { reconcile } from '../src/reconcile/reconcile.js';
import { formatReport } from '../src/reconcile/report-format.js';
import { applyToMysql, catalogTables } from '../sim/index.js';
import { MARIADB_HINT } from '../stack/mariadb.js';
import { up } from '../stack/stack.js';
import { dropSourceSchema } from '../test/support/mysql-source.js';
import { testTarget } from '../test/support/pipeline.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../test/support/replicator.js';
import { connect } from '../test/support/stack.js';
import { freePort } from '../stack/processes.js';

const SECONDS = Number(process.env.DEMO_SECONDS ?? 30);
const log = (line: string): void => console.log(line);

async function main(): Promise<number> {
  log('1/6 starting the local stack (Databend, S3, SQS and MariaDB on loopback)…');
  const { env } = await up({
    persistentData: false,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
    python: process.env.STACK_PYTHON,
    log: (l) => log(`    ${l}`),
  });

  // Its own source schema, so demos running at once do not share one.
  const tables = catalogTables(`shop_${process.pid}`, 3);
  const port = Number(process.env.DEMO_METRICS_PORT ?? (await freePort()));
  const { config, pipe } = await testTarget('demo', tableSettings(tables), {
    logLevel: 'warn',
    maxReceiveCount: 5,
  });
  const demoConfig = { ...config, http: { ...config.http, host: '127.0.0.1', port } };

  log(
    `2/6 simulating ${tables.length} MySQL tables for ${SECONDS} s of changes (full load, CDC, one ADD COLUMN)…`,
  );
  const source = await simulatedSource(
    pipe.bucket,
    { seed: 42, tables, durationSeconds: SECONDS, transactionsPerSecond: 10, initialRows: 200 },
    { cdcMaxBatchInterval: 2 },
  );
  const { simulation } = source;
  log(
    `    ${simulation.files.length} Parquet files, ${simulation.sourceChanges.length} source changes`,
  );
  const mysqlUrl = env.MYSQL_URL;
  if (mysqlUrl !== undefined) {
    const applied = await applyToMysql(simulation, mysqlUrl);
    log(
      `    the same ${applied.transactions} transactions applied to MariaDB (${mysqlUrl.replace(/\/\/[^@]*@/, '//')})`,
    );
  }

  log('3/6 starting bend-replicator');
  const replicator = new Replicator(demoConfig);
  replicator.start();
  log(`    metrics: http://127.0.0.1:${port}/metrics   health: /healthz /readyz`);

  const conn = await connect();
  try {
    log(`4/6 DMS writes the files to s3://${pipe.bucket}; S3 notifies SQS; the service loads them`);
    const started = Date.now();
    const progress = setInterval(() => {
      void (async () => {
        try {
          const row = await conn.queryRow(
            `SELECT count(*)::STRING, coalesce(sum(row_count), 0)::STRING FROM \`${config.databend.controlDatabase}\`.files`,
          );
          const [files, rows] = (row?.values() ?? []) as string[];
          log(
            `    ${((Date.now() - started) / 1000).toFixed(0)} s: ${files} of ${simulation.files.length} files loaded, ${rows} change rows`,
          );
        } catch {
          log('    waiting for the first batch…');
        }
      })();
    }, 3_000);
    await source.deliver({ intervalMs: 100 });
    const result = await waitForConvergence(conn, simulation, config, 300_000);
    clearInterval(progress);

    log('5/6 result (ODS compared with the simulated source, column by column):');
    log('    table                 live rows   deleted   max lag (s)   verdict');
    for (const table of simulation.tables) {
      const ods = `\`${config.databend.odsDatabase}\`.\`${table.name}\``;
      const counts = await conn.queryRow(
        `SELECT count_if(NOT is_deleted)::STRING, count_if(is_deleted)::STRING FROM ${ods}`,
      );
      const lag = await conn.queryRow(
        `SELECT coalesce(max(date_diff(second, event_time, loaded_at)), 0)::STRING FROM \`${config.databend.controlDatabase}\`.files WHERE table_name = '${table.name}'`,
      );
      const diff = result.tables.find((t) => t.table.endsWith(table.name));
      const [live, deleted] = (counts?.values() ?? []) as string[];
      log(
        `    ${table.name.padEnd(22)}${String(live).padStart(9)}${String(deleted).padStart(10)}${String(lag?.values()[0]).padStart(14)}   ${diff?.equal ? 'equal' : 'DIFFERENT'}`,
      );
    }
    if (!result.equal) {
      log(result.report);
      log('verdict: ODS differs from the source');
      return 1;
    }
    log('verdict: ODS equals the source');

    const reconcileUrl = env.MYSQL_RECONCILE_URL;
    if (reconcileUrl === undefined) {
      log(`6/6 reconcile skipped: ${MARIADB_HINT}`);
      return 0;
    }
    log('6/6 bend-replicator reconcile: ODS against the real MariaDB source, chunk by chunk');
    const pool = new SessionPool(config.databend.dsn);
    try {
      const report = await reconcile(config, pool, {
        sourceUrl: reconcileUrl,
        tables: tables.map((t) => `${t.schema}.${t.name}`),
        chunkRows: 100,
        maxRowsPerSecond: 0,
        settleMs: 10_000,
        asOf: undefined,
        repair: 'off',
      });
      for (const line of formatReport(report)) log(`    ${line}`);
      return report.equal ? 0 : 1;
    } finally {
      await pool.close();
    }
  } finally {
    if (env.MYSQL_URL !== undefined && process.env.DEMO_KEEP !== '1')
      await dropSourceSchema(tables[0]?.schema ?? '');
    await replicator.stop();
    for (const db of [
      config.databend.rawDatabase,
      config.databend.odsDatabase,
      config.databend.controlDatabase,
    ]) {
      if (process.env.DEMO_KEEP !== '1') await conn.exec(`DROP DATABASE IF EXISTS \`${db}\``);
    }
    await conn.close();
  }
}

process.exitCode = await main();
