// What the per-batch ledger check costs, and whether the ledger's segments are part of it: times
// the statement the fencing step runs (one key not in the ledger, the `loaded_at` window of the
// last minute) on the 0.1 M-row and the 20 M-row aged ledgers, beside `SELECT 1`, and prints each
// ledger's segments and blocks. Needs the aged tables (`npm run bench -- aged` builds them).
// Reads only.
//
//   node --import tsx bench/aged/ledger-check-probe.ts [--repeat 21] [--aged-name bench_aged]
import { Client, type Connection } from 'databend-driver';
import { parseArgs } from 'node:util';
import { loadedFilesSql } from '../../src/control/ledger-sql.js';
import { quoteString } from '../../src/databend/quote.js';
import { loadStackEnv } from '../../test/support/stack.js';
import { median } from '../harness/stats.js';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '21' },
    'aged-name': { type: 'string', default: 'bench_aged' },
  },
});
const repeat = Number(values.repeat);
const aged = values['aged-name'];

async function medianMs(conn: Connection, sql: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await conn.queryAll(sql);
    times.push(performance.now() - started);
  }
  return median(times);
}

const conn = await new Client(loadStackEnv().dsn).getConn();
try {
  for (const control of [`${aged}_small_control`, `${aged}_control`]) {
    const layout = await conn.queryRow(
      `SELECT segment_count, block_count, row_count FROM fuse_snapshot(${quoteString(control)}, 'files') LIMIT 1`,
    );
    const bucket = String(
      (await conn.queryRow(`SELECT any(bucket) FROM ${control}.files`))?.values()[0],
    );
    const check = loadedFilesSql(
      control,
      bucket,
      ['probe/none/20991231-000000000.parquet'],
      new Date(Date.now() - 60_000),
    );
    const [segments, blocks, rows] = (layout?.values() ?? []) as unknown[];
    const checkMs = await medianMs(conn, check);
    const selectOneMs = await medianMs(conn, 'SELECT 1');
    console.log(
      `${control}.files  rows ${String(rows)}  segments ${String(segments)}  blocks ${String(blocks)}  ` +
        `check p50 ${checkMs.toFixed(1)} ms  SELECT 1 p50 ${selectOneMs.toFixed(1)} ms`,
    );
  }
} finally {
  await conn.close();
}
