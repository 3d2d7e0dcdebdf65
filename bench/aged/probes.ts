// Single statements of a batch, timed directly against the aged tables and their small twins,
// with the service's own SQL builders: the ledger look-up, the batch's raw read (the Op summary)
// and the MERGE of a 1,000-row batch. The MERGEs commit (an earlier version rolled them back and
// the next MERGE of the table sometimes waited 30–50 s for a lock): they update existing keys
// (only their timestamps change), so the tables keep their rows, and the probe's rows are deleted
// from raw at the end. The MERGEs into the small and the large table alternate, so both see the same
// load.
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
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
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
  /**
   * Median ms of MERGE of 1,000 updates of the oldest keys: the first block, full in either
   * table (the engine's block size), so the two differ in table size only.
   */
  readonly mergeOldestMs: number;
  /** Median ms of MERGE of 1,000 updates of keys spread over the table; NaN when not run. */
  readonly mergeSpreadMs: number;
  /** Every timing, ms, in the order taken. */
  readonly samples: Readonly<Record<string, readonly number[]>>;
}

/** What the probes need of the aged deployment, the same for every target. */
export interface ProbeSetting {
  readonly conn: Connection;
  readonly config: Config;
  /** The stream's table (raw) and the schema its keys are under. */
  readonly table: string;
  readonly schema: string;
  readonly rawColumns: readonly string[];
  readonly odsColumns: readonly string[];
  readonly log: (line: string) => void;
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

/** Times the look-ups, summaries and MERGEs of each target; MERGEs alternate between targets. */
export async function probeStatements(
  setting: ProbeSetting,
  targets: readonly ProbeTarget[],
  repeat: number,
  /** Repetitions of the MERGE of spread keys, which rewrites most of the table's blocks. */
  spreadRepeat: number,
): Promise<ProbeFigures[]> {
  const samples = targets.map(() => ({
    lookup1: [] as number[],
    lookup50: [] as number[],
    summary: [] as number[],
    newest: [] as number[],
    oldest: [] as number[],
    spread: [] as number[],
  }));
  const batches: string[] = [];
  try {
    for (let i = 0; i < repeat; i++) {
      // Alternating which goes first, so neither always follows the other's writes.
      const order = i % 2 === 0 ? targets.map((_, t) => t) : targets.map((_, t) => t).reverse();
      for (const t of order) {
        const target = targets[t];
        const into = samples[t];
        if (target === undefined || into === undefined) continue;
        into.lookup1.push(await timed(setting.conn, lookupSql(setting, target, 1)));
        into.lookup50.push(await timed(setting.conn, lookupSql(setting, target, 50)));
        const newest = await timedMerge(setting, target, (n) => `(${target.odsRows} - 2 * ${n})`);
        batches.push(newest.batchId);
        into.summary.push(newest.summaryMs);
        into.newest.push(newest.mergeMs);
        const oldest = await timedMerge(setting, target, (n) => `(1 + 2 * ${n})`);
        batches.push(oldest.batchId);
        into.oldest.push(oldest.mergeMs);
        if (i < spreadRepeat) {
          const step = Math.floor(target.odsRows / 1_000);
          const spread = await timedMerge(setting, target, (n) => `(${n} * ${step} + 1)`);
          batches.push(spread.batchId);
          into.spread.push(spread.mergeMs);
        }
      }
    }
  } finally {
    await removeProbeRows(setting, batches);
  }
  return targets.map((target, t) => {
    const s = samples[t] ?? {
      lookup1: [],
      lookup50: [],
      summary: [],
      newest: [],
      oldest: [],
      spread: [],
    };
    const ms = (values: readonly number[]): string => values.map(Math.round).join(' ');
    setting.log(
      `  ${target.label}: look-up ${ms(s.lookup1)} / ${ms(s.lookup50)} ms, summary ${ms(s.summary)} ms, ` +
        `MERGE newest ${ms(s.newest)} ms, oldest ${ms(s.oldest)} ms, spread ${ms(s.spread)} ms`,
    );
    return {
      lookup1Ms: median(s.lookup1),
      lookup50Ms: median(s.lookup50),
      summaryMs: median(s.summary),
      mergeNewestMs: median(s.newest),
      mergeOldestMs: median(s.oldest),
      mergeSpreadMs: median(s.spread),
      samples: s,
    };
  });
}

/** As BatchLoader's transaction builds it: `count` new keys of the table, named after now. */
function lookupSql(setting: ProbeSetting, target: ProbeTarget, count: number): string {
  const { config } = setting;
  const keys = newKeys(setting.schema, setting.table, count);
  return loadedFilesSql(
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
}

/**
 * A 1,000-row batch of updates of `keyOf(n)` put in raw, then, as the batch transaction runs
 * them, the summary (with the batch's key range) and the MERGE in that range; both commit.
 */
async function timedMerge(
  setting: ProbeSetting,
  target: ProbeTarget,
  keyOf: (n: string) => string,
): Promise<{ batchId: string; summaryMs: number; mergeMs: number }> {
  const { conn, config, table } = setting;
  const { rawDatabase, odsDatabase } = config.databend;
  const batchId = newBatchId();
  const stateColumns = new Set(ODS_STATE_COLUMNS.map((c) => c.name));
  await conn.exec(
    probeRawSql({
      database: rawDatabase,
      table,
      columns: setting.rawColumns,
      schema: setting.schema,
      batchId,
      keyOf,
      count: 1_000,
    }),
  );
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
  const summaryMs = performance.now() - started;
  const bounds = keyRangeFromSummary(summaryRows[0]?.data() as Record<string, unknown>);
  const mergeMs = await timed(
    conn,
    mergeIntoOdsSql({
      rawDatabase,
      rawTable: table,
      odsDatabase,
      odsTable: target.odsTable,
      columns: setting.odsColumns.filter((c) => !stateColumns.has(c)),
      primaryKey: ['order_id'],
      opColumn: config.dms.opColumn,
      batchId,
      ...(bounds === undefined ? {} : { keyRange: { column: 'order_id', ...bounds } }),
      // The service's MERGE reads the snapshot floor from the control database: so does the probe.
      snapshotsIn: config.databend.controlDatabase,
    }),
  );
  return { batchId, summaryMs, mergeMs };
}

/** The probes' batches leave raw (their ODS updates stay: the values the rows held). */
async function removeProbeRows(setting: ProbeSetting, batches: readonly string[]): Promise<void> {
  if (batches.length === 0) return;
  await setting.conn.exec(
    `DELETE FROM ${qualified(setting.config.databend.rawDatabase, setting.table)} ` +
      `WHERE ${quoteIdent('_batch')} IN (${batches.map(quoteString).join(', ')})`,
  );
}
