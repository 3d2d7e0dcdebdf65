// `npm run bench:reconcile -- [--rows N] [--chunks 1000,10000]`: reconcile's speed on one table
// of N equal rows (source: the local stack's MariaDB; ODS: its Databend), once per chunk size,
// and what each run cost the source: queries, rows the server read (Innodb_rows_read), time.
// Both sides are filled by the same generator in SQL (MariaDB's sequence engine, Databend's
// numbers()), so the table is equal by construction and the run measures the comparison only.
import { createConnection, type Connection } from 'mysql2/promise';
import { minimalConfig } from '../../test/support/config-tree.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { readStackEnv } from '../../stack/stack.js';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const ROWS = Number(arg('rows', '100000'));
const CHUNKS = arg('chunks', '1000,10000').split(',').map(Number);
const SCHEMA = 'bench_reconcile';
const ODS = 'bench_reconcile_ods';

const env = readStackEnv();
if (
  env?.MYSQL_URL === undefined ||
  env.MYSQL_RECONCILE_URL === undefined ||
  env.DATABEND_DSN === undefined
)
  throw new Error('the local stack with MariaDB must be up (npm run stack:up)');
const rootUrl = env.MYSQL_URL;
const reconcileUrl = env.MYSQL_RECONCILE_URL;
const dsn = env.DATABEND_DSN;

/** Rows the server's handlers read (index lookups and scans), over every session. */
async function rowsRead(conn: Connection): Promise<number> {
  const [rows] = await conn.query("SHOW GLOBAL STATUS LIKE 'Handler_read%'");
  return (rows as { Value: string }[]).reduce((n, r) => n + Number(r.Value), 0);
}

async function fillSource(conn: Connection): Promise<number> {
  const started = performance.now();
  await conn.query(`DROP DATABASE IF EXISTS ${SCHEMA}`);
  await conn.query(`CREATE DATABASE ${SCHEMA}`);
  await conn.query(
    `CREATE TABLE ${SCHEMA}.items (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64), amount DECIMAL(12,2), ` +
      'placed_at DATETIME(6), payload JSON, flag TINYINT(1), data VARBINARY(16))',
  );
  for (let from = 1; from <= ROWS; from += 100_000) {
    const to = Math.min(ROWS, from + 99_999);
    await conn.query(
      `INSERT INTO ${SCHEMA}.items SELECT seq, CONCAT('name-', seq), (seq % 100000) / 100, ` +
        "TIMESTAMPADD(SECOND, seq, '2024-01-01 00:00:00'), JSON_OBJECT('n', seq), seq % 2, " +
        `UNHEX(LPAD(HEX(seq), 8, '0')) FROM ${SCHEMA}.seq_${from}_to_${to}`,
    );
  }
  return (performance.now() - started) / 1000;
}

async function fillOds(pool: SessionPool): Promise<number> {
  const started = performance.now();
  await pool.with(async (s) => {
    await s.exec(`CREATE OR REPLACE DATABASE ${ODS}`);
    await s.exec(
      `CREATE TABLE ${ODS}.items (id BIGINT NULL, name VARCHAR NULL, amount DECIMAL(12, 2) NULL, ` +
        'placed_at TIMESTAMP NULL, payload VARIANT NULL, flag TINYINT NULL, data BINARY NULL, ' +
        'is_deleted BOOLEAN NOT NULL, _seq VARCHAR NOT NULL, _updated_at TIMESTAMP NOT NULL)',
    );
    await s.exec(
      `INSERT INTO ${ODS}.items SELECT number, concat('name-', number::STRING), ` +
        `((number % 100000) / 100)::DECIMAL(12, 2), add_seconds('2024-01-01 00:00:00'::TIMESTAMP, number), ` +
        `parse_json(concat('{"n":', number::STRING, '}')), (number % 2)::TINYINT, ` +
        `from_hex(lpad(to_hex(number), 8, '0')), false, '20240101000000-0', now() ` +
        `FROM (SELECT number + 1 AS number FROM numbers(${ROWS}))`,
    );
  });
  return (performance.now() - started) / 1000;
}

const root = await createConnection({ uri: rootUrl, multipleStatements: false });
const pool = new SessionPool(dsn);
try {
  console.log(
    `filling ${ROWS} rows: source ${(await fillSource(root)).toFixed(1)} s, ODS ${(await fillOds(pool)).toFixed(1)} s`,
  );
  const config = minimalConfig({
    databend: { dsn, odsDatabase: ODS },
    s3: { bucket: 'unused', region: 'us-east-1' },
    sqs: { queueUrl: 'http://127.0.0.1/unused' },
    tables: {
      byName: { [`${SCHEMA}.items`]: { primaryKey: ['id'], columnTypes: { payload: 'VARIANT' } } },
    },
  });
  console.log(
    '| chunk rows | verdict | seconds | rows/s | source queries | source ms/query | server rows read per source row |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (const chunkRows of CHUNKS) {
    const before = await rowsRead(root);
    const started = performance.now();
    const report = await reconcile(config, pool, {
      sourceUrl: reconcileUrl,
      tables: [`${SCHEMA}.items`],
      chunkRows,
      maxRowsPerSecond: 0,
      settleMs: 0,
      asOf: undefined,
      repair: 'off',
    });
    const seconds = (performance.now() - started) / 1000;
    const serverRows = (await rowsRead(root)) - before;
    const t = report.tables[0];
    console.log(
      `| ${chunkRows} | ${t?.status ?? '?'} | ${seconds.toFixed(1)} | ${Math.round(ROWS / seconds)} | ` +
        `${report.sourceQueries} | ${(report.sourceQueryMs / report.sourceQueries).toFixed(1)} | ${(serverRows / ROWS).toFixed(2)} |`,
    );
  }
} finally {
  await pool.with((s) => s.exec(`DROP DATABASE IF EXISTS ${ODS}`));
  await pool.close();
  await root.query(`DROP DATABASE IF EXISTS ${SCHEMA}`);
  await root.end();
}
