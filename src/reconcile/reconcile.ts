/**
 * `reconcile`: ODS compared with the MySQL source, table by table — a chunked first pass,
 * in-flight keys settled, the rest reported as drift and, when asked, repaired and checked
 * again. Pure orchestration; the reads, the comparison and the writes live beside it.
 */
import type { Config } from '../config.js';
import type { SessionPool } from '../databend/session-pool.js';
import { commitWatermark, describeOds, secondsOf } from './ods-reader.js';
import { recheckKeys, settle } from './in-flight-check.js';
import { applyRepair, planRepair, type RepairPlan, type RepairResult } from './repair.js';
import { MysqlSource, redactUrl } from './source-reader.js';
import { pairTable, targetOf, type TablePair } from './table-pair.js';
import { walkTable, type KeyDifference } from './table-walk.js';
import { RowThrottle } from './throttle.js';

export type RepairMode = 'off' | 'plan' | 'apply';

export interface ReconcileOptions {
  readonly sourceUrl: string;
  /** `<schema>.<table>` names at the source; undefined: every table the config names. */
  readonly tables: readonly string[] | undefined;
  readonly chunkRows: number;
  /** 0: no limit. */
  readonly maxRowsPerSecond: number;
  readonly settleMs: number;
  readonly pollMs?: number;
  /** `YYYY-MM-DD HH:MM:SS` UTC: wait (up to settleMs) until each table's watermark reaches it. */
  readonly asOf: string | undefined;
  readonly repair: RepairMode;
}

export interface ReconcileListener {
  tableStarted?(table: string, estimatedRows: number): void;
  tableProgress?(table: string, sourceRows: number): void;
  tableDone?(report: TableReport): void;
}

export type TableStatus = 'equal' | 'different' | 'in_flight' | 'repaired' | 'error';

export interface KeyReport {
  readonly key: readonly string[];
  readonly columns?: readonly string[];
}

export interface TableReport {
  readonly table: string;
  readonly target: string;
  readonly status: TableStatus;
  readonly sourceRows: number;
  readonly odsRows: number;
  readonly chunks: number;
  readonly chunksDiffering: number;
  readonly missingInOds: KeyReport[];
  readonly extraInOds: KeyReport[];
  readonly valuesDiffer: KeyReport[];
  readonly inFlight: KeyReport[];
  readonly watermark: string | null;
  readonly watermarkPassed: boolean;
  readonly sourceOnlyColumns: readonly string[];
  readonly odsOnlyColumns: readonly string[];
  readonly seconds: number;
  readonly repair?: {
    readonly applied: boolean;
    readonly upserts: number;
    readonly tombstones: number;
    readonly batchId?: string;
    readonly readAt: string;
    /** Keys still differing after the repair (re-read on both sides). */
    readonly remaining: number;
  };
  readonly error?: string;
}

export interface ReconcileReport {
  readonly equal: boolean;
  readonly source: string;
  readonly tables: TableReport[];
  readonly sourceRowsRead: number;
  readonly sourceQueries: number;
  readonly sourceQueryMs: number;
}

const keyReport = (d: KeyDifference): KeyReport =>
  d.kind === 'values_differ' ? { key: d.key, columns: d.columns } : { key: d.key };

export function statusIsEqual(status: TableStatus): boolean {
  return status === 'equal' || status === 'repaired';
}

/** The source tables to check: the ones asked for, else every exact name the config lists. */
async function tableNames(
  config: Config,
  source: MysqlSource,
  asked: readonly string[] | undefined,
): Promise<string[]> {
  if (asked !== undefined && asked.length > 0) return [...asked];
  const names = Object.keys(config.tables.byName);
  const exact = names.filter((n) => !n.includes('*'));
  const patterns = names.filter((n) => n.includes('*'));
  if (patterns.length === 0) return exact;
  const listed = await source.baseTables();
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return [...new Set([...exact, ...listed.filter((t) => regexes.some((r) => r.test(t)))])];
}

export async function reconcile(
  config: Config,
  pool: SessionPool,
  options: ReconcileOptions,
  listener: ReconcileListener = {},
): Promise<ReconcileReport> {
  const source = await MysqlSource.connect(options.sourceUrl);
  try {
    const throttle = new RowThrottle(options.maxRowsPerSecond);
    const names = await tableNames(config, source, options.tables);
    const tables: TableReport[] = [];
    for (const name of names) {
      const report = await reconcileTable(config, pool, source, throttle, name, options, listener);
      tables.push(report);
      listener.tableDone?.(report);
    }
    return {
      equal: tables.every((t) => statusIsEqual(t.status)),
      source: redactUrl(options.sourceUrl),
      tables,
      sourceRowsRead: source.rowsRead,
      sourceQueries: source.queries,
      sourceQueryMs: Math.round(source.queryMs),
    };
  } finally {
    await source.close();
  }
}

async function waitForAsOf(
  pool: SessionPool,
  config: Config,
  pair: TablePair,
  asOf: string,
  settleMs: number,
  pollMs: number,
): Promise<void> {
  const target = secondsOf(asOf);
  const deadline = Date.now() + settleMs;
  while (Date.now() < deadline) {
    const watermark = await pool.with((s) =>
      commitWatermark(s, config.databend.odsDatabase, pair.target),
    );
    if (watermark !== undefined && watermark >= target) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function reconcileTable(
  config: Config,
  pool: SessionPool,
  source: MysqlSource,
  throttle: RowThrottle,
  name: string,
  options: ReconcileOptions,
  listener: ReconcileListener,
): Promise<TableReport> {
  const started = performance.now();
  const odsDatabase = config.databend.odsDatabase;
  let pair: TablePair | undefined;
  try {
    const dot = name.indexOf('.');
    const [schema, table] = dot > 0 ? [name.slice(0, dot), name.slice(dot + 1)] : ['', name];
    const sourceColumns = await source.columns(schema, table);
    const odsTypes = await pool.with(async (s) =>
      describeOds(s, odsDatabase, targetOf(config, name)).catch(() => undefined),
    );
    pair = pairTable(config, name, sourceColumns, odsTypes);
    const current = pair;
    listener.tableStarted?.(name, await source.estimatedRows(schema, table));
    const pollMs = options.pollMs ?? 1_000;
    if (options.asOf !== undefined)
      await waitForAsOf(pool, config, current, options.asOf, options.settleMs, pollMs);

    return await pool.with(async (ods) => {
      const deps = { source, ods, throttle };
      const walk = await walkTable(
        { ...deps, onProgress: (p) => listener.tableProgress?.(name, p.sourceRows) },
        current,
        odsDatabase,
        options.chunkRows,
      );
      const settled = await settle(deps, current, odsDatabase, walk.differences, {
        settleMs: options.settleMs,
        pollMs,
      });
      const drift = settled.drift;
      let repair: TableReport['repair'];
      if (options.repair !== 'off' && drift.length > 0) {
        const plan: RepairPlan = await planRepair(source, current, drift);
        if (options.repair === 'apply') {
          const result: RepairResult = await applyRepair(pool, config, source, current, plan);
          const remaining = await recheckKeys(
            deps,
            current,
            odsDatabase,
            drift.map((d) => d.key),
          );
          repair = {
            applied: true,
            upserts: result.upserts,
            tombstones: result.tombstones,
            batchId: result.batchId,
            readAt: result.readAt,
            remaining: remaining.length,
          };
        } else {
          repair = {
            applied: false,
            upserts: plan.upserts,
            tombstones: plan.tombstones,
            readAt: plan.readAt,
            remaining: drift.length,
          };
        }
      }
      const status: TableStatus =
        drift.length > 0
          ? repair?.applied === true && repair.remaining === 0 && settled.inFlight.length === 0
            ? 'repaired'
            : 'different'
          : settled.inFlight.length > 0
            ? 'in_flight'
            : 'equal';
      return {
        table: name,
        target: current.target,
        status,
        sourceRows: walk.sourceRows,
        odsRows: walk.odsRows,
        chunks: walk.chunks,
        chunksDiffering: walk.chunksDiffering,
        missingInOds: drift.filter((d) => d.kind === 'missing_in_ods').map(keyReport),
        extraInOds: drift.filter((d) => d.kind === 'extra_in_ods').map(keyReport),
        valuesDiffer: drift.filter((d) => d.kind === 'values_differ').map(keyReport),
        inFlight: settled.inFlight.map(keyReport),
        watermark: settled.watermark ?? null,
        watermarkPassed: settled.watermarkPassed,
        sourceOnlyColumns: current.sourceOnly,
        odsOnlyColumns: current.odsOnly,
        seconds: (performance.now() - started) / 1000,
        ...(repair === undefined ? {} : { repair }),
      };
    });
  } catch (error) {
    return {
      table: name,
      target: pair?.target ?? '',
      status: 'error',
      sourceRows: 0,
      odsRows: 0,
      chunks: 0,
      chunksDiffering: 0,
      missingInOds: [],
      extraInOds: [],
      valuesDiffer: [],
      inFlight: [],
      watermark: null,
      watermarkPassed: false,
      sourceOnlyColumns: [],
      odsOnlyColumns: [],
      seconds: (performance.now() - started) / 1000,
      error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
    };
  }
}
