// What the schema end-to-end tests share: a simulated DMS source whose files can be delivered
// in parts (a table at a time, or up to an instant), the running service's /metrics, and polling.
import type { Connection } from 'databend-driver';
import {
  compareOdsTable,
  type DeliveryKnobs,
  type DmsFile,
  type DmsSettings,
  type OdsCompareOptions,
  type Simulation,
  type TableDiff,
  type WorkloadOptions,
  type WrittenFile,
} from '../../sim/index.js';
import { quoteString } from '../../src/databend/quote.js';
import { simulatedSource, type Replicator } from './replicator.js';
import { waitFor } from './wait.js';

export interface SimulatedFiles {
  readonly simulation: Simulation;
  readonly written: readonly WrittenFile[];
  /** Puts the files `which` selects (all by default) into the bucket; returns the puts made. */
  readonly deliver: (which?: (file: DmsFile) => boolean, knobs?: DeliveryKnobs) => Promise<number>;
}

/** simulatedSource, with the selection first: most schema scenarios deliver by table. */
export async function simulatedFiles(
  bucket: string,
  workload: WorkloadOptions,
  dms: Partial<DmsSettings> = {},
): Promise<SimulatedFiles> {
  const source = await simulatedSource(bucket, workload, dms);
  return { ...source, deliver: (which, knobs) => source.deliver(knobs, which) };
}

/** Waits until one ODS table equals its truth; returns the last comparison either way. */
export async function waitForTable(
  conn: Connection,
  truth: Simulation['truth'],
  table: string,
  options: OdsCompareOptions,
  timeoutMs = 120_000,
): Promise<TableDiff> {
  const tableTruth = truth.get(table);
  if (tableTruth === undefined) throw new Error(`no truth for ${table}`);
  let last: TableDiff | undefined;
  try {
    return await waitFor(
      `${table} to equal the truth`,
      async () => {
        last = await compareOdsTable(conn, tableTruth, options);
        return last.equal ? last : undefined;
      },
      timeoutMs,
    );
  } catch {
    return last ?? (await compareOdsTable(conn, tableTruth, options));
  }
}

/** The service's /metrics URL, from its start-up line (needs log level info). */
export async function metricsUrl(replicator: Replicator): Promise<string> {
  await replicator.waitForLog(/bend-replicator is running/, 60_000);
  for (const line of replicator.log) {
    if (!line.includes('bend-replicator is running')) continue;
    const parsed = JSON.parse(line) as { metrics?: unknown };
    if (typeof parsed.metrics === 'string') return parsed.metrics.replace('0.0.0.0', '127.0.0.1');
  }
  throw new Error('the start-up line names no metrics URL');
}

/** One sample's value from a Prometheus text exposition, or undefined when absent. */
export function sample(
  exposition: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const has = Object.entries(labels).every(([k, v]) =>
      body.includes(`${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`),
    );
    if (has) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Log lines (JSON) whose message matches, parsed. */
export function logEntries(replicator: Replicator, msg: RegExp): Record<string, unknown>[] {
  return replicator.log
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry.msg === 'string' && msg.test(entry.msg));
}

/** Column names of a table, in table order; empty when it does not exist. */
export async function columnNames(
  conn: Connection,
  database: string,
  table: string,
): Promise<string[]> {
  const rows = await conn.queryAll(
    `SELECT name FROM system.columns WHERE database = ${quoteString(database)} ` +
      `AND table = ${quoteString(table)}`,
  );
  return rows.map((r) => String(r.values()[0]));
}

/** `SELECT count(*)` of a query's rows, as a number. */
export async function countOf(conn: Connection, from: string): Promise<number> {
  const row = await conn.queryRow(`SELECT count(*)::STRING FROM ${from}`);
  return Number(row?.values()[0]);
}
