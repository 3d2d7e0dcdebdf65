// Does a cluster key on the primary key pay for an ODS table whose keys do not grow? Builds a
// table of the aged ODS twin's rows appended in an order that spreads every block over the whole
// key range (as random or reused keys leave a table), compacted as the engine's compaction leaves
// it, then times the service's MERGE of 1,000 updates — of neighbouring keys and of keys spread
// over the table — before and after `ALTER TABLE … CLUSTER BY (key)` and `RECLUSTER FINAL`.
// Needs the aged tables (`npm run bench -- aged` builds them). Writes commit; the scratch
// database is dropped at the end.
//
//   node --import tsx bench/aged/cluster-probe.ts [--repeat 3] [--chunks 20] [--aged-name bench_aged]
import { Client, type Connection } from 'databend-driver';
import { parseArgs } from 'node:util';
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import { newBatchId } from '../../src/merge/batch-statements.js';
import { keyRangeFromSummary } from '../../src/merge/merge-key-range.js';
import { batchSummarySql, mergeIntoOdsSql } from '../../src/merge/merge-sql.js';
import { ODS_STATE_COLUMNS } from '../../src/schema/table-ddl.js';
import { loadStackEnv } from '../../test/support/stack.js';
import { median } from '../harness/stats.js';
import { columnsOf, smallOdsTable } from './aged-data.js';
import { probeRawSql } from './aged-sql.js';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    chunks: { type: 'string', default: '20' },
    'aged-name': { type: 'string', default: 'bench_aged' },
  },
});
const repeat = Number(values.repeat);
const chunks = Number(values.chunks);
const aged = values['aged-name'];
const TABLE = 'orders_1';
const SCRATCH = `${aged}_cluster`;
const KEY = 'order_id';

async function timed(conn: Connection, sql: string): Promise<number> {
  const started = performance.now();
  await conn.exec(sql);
  return performance.now() - started;
}

async function scalar(conn: Connection, sql: string): Promise<string> {
  const row = await conn.queryRow(sql);
  return String((row?.values() as unknown[] | undefined)?.[0]);
}

async function main(): Promise<void> {
  const conn = await new Client(loadStackEnv().dsn).getConn();
  const rawDatabase = `${aged}_raw`;
  const source = qualified(`${aged}_ods`, smallOdsTable(TABLE));
  const ods = qualified(SCRATCH, 'ods');
  const rows = Number(await scalar(conn, `SELECT count(*)::STRING FROM ${source}`));
  const rawColumns = await columnsOf(conn, rawDatabase, TABLE);
  const odsColumns = await columnsOf(conn, `${aged}_ods`, smallOdsTable(TABLE));
  const state = new Set(ODS_STATE_COLUMNS.map((c) => c.name));
  await conn.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(SCRATCH)}`);
  // Blocks of one chunk each (the engine's default block is far larger than a chunk).
  await conn.exec(`CREATE OR REPLACE TABLE ${ods} LIKE ${source}`);
  await conn.exec(`ALTER TABLE ${ods} SET OPTIONS (row_per_block = ${Math.ceil(rows / chunks)})`);
  // Chunk c holds the keys ≡ c (mod chunks): every block spans the whole key range.
  for (let c = 0; c < chunks; c++)
    await conn.exec(
      `INSERT INTO ${ods} SELECT * FROM ${source} WHERE ${quoteIdent(KEY)} % ${chunks} = ${c}`,
    );
  // As the engine's own compaction leaves it: fewer, larger blocks, each still spanning the key
  // range, so that before and after differ by the order of rows only.
  await conn.exec(`OPTIMIZE TABLE ${ods} COMPACT`);
  const batches: string[] = [];
  const merge = async (keyOf: (n: string) => string): Promise<number> => {
    const batchId = newBatchId();
    batches.push(batchId);
    await conn.exec(
      probeRawSql({
        database: rawDatabase,
        table: TABLE,
        columns: rawColumns,
        schema: 'bench',
        batchId,
        keyOf,
        count: 1_000,
      }),
    );
    const summary = await conn.queryAll(
      batchSummarySql({
        rawDatabase,
        rawTable: TABLE,
        opColumn: 'Op',
        batchId,
        timestampColumn: undefined,
        primaryKey: [KEY],
        keyRangeColumn: KEY,
      }),
    );
    const bounds = keyRangeFromSummary(summary[0]?.data() as Record<string, unknown>);
    return timed(
      conn,
      mergeIntoOdsSql({
        rawDatabase,
        rawTable: TABLE,
        odsDatabase: SCRATCH,
        odsTable: 'ods',
        columns: odsColumns.filter((c) => !state.has(c)),
        primaryKey: [KEY],
        opColumn: 'Op',
        batchId,
        ...(bounds === undefined ? {} : { keyRange: { column: KEY, ...bounds } }),
      }),
    );
  };
  const middle = Math.floor(rows / 2);
  const step = Math.floor(rows / 1_000);
  const measure = async (label: string): Promise<Record<string, number>> => {
    const neighbours: number[] = [];
    const spread: number[] = [];
    for (let i = 0; i < repeat; i++) {
      neighbours.push(await merge((n) => `(${middle} + ${n})`));
      spread.push(await merge((n) => `(${n} * ${step} + 1)`));
    }
    const blocks = await scalar(
      conn,
      `SELECT count(*)::STRING FROM fuse_block(${quoteString(SCRATCH)}, 'ods')`,
    );
    const ms = (xs: number[]): string => xs.map(Math.round).join(' ');
    console.log(
      `${label}: ${blocks} blocks; MERGE of 1,000 neighbouring keys ${ms(neighbours)} ms, of 1,000 spread keys ${ms(spread)} ms`,
    );
    return { neighboursMs: median(neighbours), spreadMs: median(spread), blocks: Number(blocks) };
  };
  try {
    const before = await measure('appended in spread order');
    await conn.exec(`ALTER TABLE ${ods} CLUSTER BY (${quoteIdent(KEY)})`);
    const reclusterMs = await timed(conn, `ALTER TABLE ${ods} RECLUSTER FINAL`);
    console.log(`RECLUSTER FINAL: ${Math.round(reclusterMs)} ms`);
    const info = await conn.queryAll(
      `SELECT * FROM clustering_information(${quoteString(SCRATCH)}, 'ods')`,
    );
    console.log(JSON.stringify(info.map((r) => r.data())));
    const after = await measure('clustered by the key');
    console.log(JSON.stringify({ rows, chunks, before, reclusterMs, after }));
  } finally {
    if (batches.length > 0)
      await conn.exec(
        `DELETE FROM ${qualified(rawDatabase, TABLE)} WHERE _batch IN (${batches.map(quoteString).join(', ')})`,
      );
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(SCRATCH)}`);
    await conn.close();
  }
}

await main();
