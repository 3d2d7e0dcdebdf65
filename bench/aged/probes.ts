// Single statements of a batch, timed directly against the aged tables and their small twins,
// with the service's own SQL builders: the ledger look-up, the batch's raw read (the Op summary)
// and the MERGE of a 1,000-row batch. Writes happen in a transaction that is rolled back, so the
// aged tables stay as built.
import type { Connection } from 'databend-driver';
import type { Config } from '../../src/config.js';
import { newBatchId } from '../../src/merge/batch-statements.js';
import { parseKey } from '../../src/files/key-layout.js';
import { earliestLoadTime } from '../../src/files/ledger-window.js';
import { loadedFilesSql } from '../../src/control/ledger-sql.js';
import { keyRangeFromSummary } from '../../src/merge/merge-key-range.js';
import { batchSummarySql, mergeIntoOdsSql } from '../../src/merge/merge-sql.js';
import { ODS_STATE_COLUMNS } from '../../src/schema/table-ddl.js';
import { median } from '../harness/stats.js';
import { probeRawSql } from './aged-sql.js';

export interface ProbeTarget {
  readonly label: string;
  readonly controlDatabase: string;
  readonly odsTable: string;
  readonly odsRows: number;
}

export interface ProbeFigures {
  /** Median ms of the look-up of one new file's key (a single-file batch). */
  readonly lookup1Ms: number;
  /** Median ms of the look-up of 50 new keys. */
  readonly lookup50Ms: number;
  /** Median ms of the Op summary (the batch's raw read) of a 1,000-row batch. */
  readonly summaryMs: number;
  /** Median ms of MERGE of 1,000 updates of the newest keys. */
  readonly mergeNewestMs: number;
  /** Median ms of MERGE of 1,000 updates of keys spread over the table; NaN when not run. */
  readonly mergeSpreadMs: number;
}

async function timed(conn: Connection, sql: string): Promise<number> {
  const started = performance.now();
  await conn.queryAll(sql);
  return performance.now() - started;
}

/** New CDC keys of a table, named after now (as the stream's next files will be). */
function newKeys(schema: string, table: string, count: number): string[] {
  const base = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(base + i * 1_000).toISOString();
    const name = `${d.slice(0, 10).replace(/-/g, '')}-${d.slice(11, 23).replace(/[:.]/g, '')}`;
    return `${schema}/${table}/${name}.parquet`;
  });
}

export async function probeStatements(
  conn: Connection,
  config: Config,
  target: ProbeTarget,
  table: string,
  schema: string,
  rawColumns: readonly string[],
  odsColumns: readonly string[],
  repeat: number,
  /** Repetitions of the MERGE of spread keys, which rewrites most of the table's blocks. */
  spreadRepeat: number,
  log: (line: string) => void,
): Promise<ProbeFigures> {
  const { rawDatabase, odsDatabase } = config.databend;
  const lookup1: number[] = [];
  const lookup50: number[] = [];
  const summary: number[] = [];
  const newest: number[] = [];
  const spread: number[] = [];
  const stateColumns = new Set(ODS_STATE_COLUMNS.map((c) => c.name));
  // As BatchLoader builds it.
  const lookupSql = (keys: readonly string[]): string =>
    loadedFilesSql(
      target.controlDatabase,
      config.s3.bucket,
      keys,
      earliestLoadTime(
        keys.map((k) => {
          const parsed = parseKey(k, { bucketFolder: config.s3.bucketFolder });
          return parsed.ok ? parsed.file : undefined;
        }),
      ),
    );
  for (let i = 0; i < repeat; i++) {
    lookup1.push(await timed(conn, lookupSql(newKeys(schema, table, 1))));
    lookup50.push(await timed(conn, lookupSql(newKeys(schema, table, 50))));
    for (const [keyOf, into] of [
      [(n: string) => `(${target.odsRows} - 2 * ${n})`, newest],
      ...(i < spreadRepeat
        ? ([[(n: string) => `(${n} * ${Math.floor(target.odsRows / 1_000)} + 1)`, spread]] as const)
        : []),
    ] as const) {
      const batchId = newBatchId();
      await conn.exec('BEGIN');
      try {
        await conn.exec(
          probeRawSql({
            database: rawDatabase,
            table,
            columns: rawColumns,
            schema,
            batchId,
            keyOf,
            count: 1_000,
          }),
        );
        // As the batch transaction runs them: the summary (with the batch's key range), then
        // MERGE in that range.
        const started = performance.now();
        const summaryRows = await conn.queryAll(
          batchSummarySql({
            rawDatabase,
            rawTable: table,
            opColumn: config.dms.opColumn,
            batchId,
            timestampColumn: config.dms.timestampColumn ?? undefined,
            primaryKey: ['order_id'],
            keyRangeColumn: 'order_id',
          }),
        );
        if (into === newest) summary.push(performance.now() - started);
        const bounds = keyRangeFromSummary(summaryRows[0]?.data() as Record<string, unknown>);
        into.push(
          await timed(
            conn,
            mergeIntoOdsSql({
              rawDatabase,
              rawTable: table,
              odsDatabase,
              odsTable: target.odsTable,
              columns: odsColumns.filter((c) => !stateColumns.has(c)),
              primaryKey: ['order_id'],
              opColumn: config.dms.opColumn,
              batchId,
              ...(bounds === undefined ? {} : { keyRange: { column: 'order_id', ...bounds } }),
            }),
          ),
        );
      } finally {
        await conn.exec('ROLLBACK');
      }
    }
  }
  log(
    `  ${target.label}: look-up ${lookup1.map(Math.round).join(' ')} / ${lookup50.map(Math.round).join(' ')} ms, ` +
      `summary ${summary.map(Math.round).join(' ')} ms, MERGE newest ${newest.map(Math.round).join(' ')} ms, ` +
      `spread ${spread.map(Math.round).join(' ')} ms`,
  );
  return {
    lookup1Ms: median(lookup1),
    lookup50Ms: median(lookup50),
    summaryMs: median(summary),
    mergeNewestMs: median(newest),
    mergeSpreadMs: median(spread),
  };
}
