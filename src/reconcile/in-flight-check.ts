/**
 * Changes in flight are not drift. A key that differs after the first pass may only be waiting
 * for DMS and the service: it is re-read on both sides until the table's commit watermark has
 * passed the moment the source was read (then ODS holds every change committed before it) and
 * neither side moved since the previous read. Keys that become equal drop out on the way. When
 * the watermark does not pass within the settle time (a quiet table: DMS writes no new files),
 * keys that kept still over the last re-read are drift and keys that still move are in flight.
 */
import type { SqlSession } from '../databend/session-pool.js';
import { commitWatermark, odsRowsByKey, secondsOf } from './ods-reader.js';
import type { MysqlSource } from './source-reader.js';
import type { TablePair } from './table-pair.js';
import { compareRows, keyText, odsRead, sourceRead, type KeyDifference } from './table-walk.js';
import type { RowThrottle } from './throttle.js';

export interface SettleOptions {
  readonly settleMs: number;
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SettleResult {
  readonly drift: KeyDifference[];
  readonly inFlight: KeyDifference[];
  /** Whether the watermark passed the last read (otherwise the settle time ran out). */
  readonly watermarkPassed: boolean;
  readonly watermark: string | undefined;
  readonly rechecks: number;
}

export interface RecheckDeps {
  readonly source: MysqlSource;
  readonly ods: SqlSession;
  readonly throttle: RowThrottle;
}

/** Reads the keys again on both sides; returns those that still differ. */
export async function recheckKeys(
  deps: RecheckDeps,
  pair: TablePair,
  odsDatabase: string,
  keys: readonly (readonly string[])[],
): Promise<KeyDifference[]> {
  if (keys.length === 0) return [];
  const readAt = await deps.source.now();
  const sourceRows = await deps.source.rowsByKey(sourceRead(pair), keys);
  await deps.throttle.after(sourceRows.length);
  const odsRows = await odsRowsByKey(deps.ods, odsRead(pair, odsDatabase), keys);
  return compareRows(pair, sourceRows, odsRows, readAt).differences;
}

function moved(before: KeyDifference | undefined, now: KeyDifference): boolean {
  return (
    before === undefined || before.odsSeq !== now.odsSeq || before.sourceHash !== now.sourceHash
  );
}

export async function settle(
  deps: RecheckDeps,
  pair: TablePair,
  odsDatabase: string,
  candidates: readonly KeyDifference[],
  options: SettleOptions,
): Promise<SettleResult> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.settleMs;
  let pending = [...candidates];
  let rechecks = 0;
  let watermark: string | undefined;
  for (;;) {
    if (pending.length === 0)
      return { drift: [], inFlight: [], watermarkPassed: true, watermark, rechecks };
    watermark = await commitWatermark(deps.ods, odsDatabase, pair.target);
    const newestRead = pending.map((d) => secondsOf(d.readAt)).reduce((a, b) => (a > b ? a : b));
    const passed = watermark !== undefined && watermark > newestRead;
    const previous = new Map(pending.map((d) => [keyText(d.key), d]));
    const now = await recheckKeys(
      deps,
      pair,
      odsDatabase,
      pending.map((d) => d.key),
    );
    rechecks++;
    const moving = now.filter((d) => moved(previous.get(keyText(d.key)), d));
    pending = now;
    if (passed && moving.length === 0)
      return { drift: now, inFlight: [], watermarkPassed: true, watermark, rechecks };
    if (Date.now() >= deadline) {
      const movingKeys = new Set(moving.map((d) => keyText(d.key)));
      return {
        drift: now.filter((d) => !movingKeys.has(keyText(d.key))),
        inFlight: moving,
        watermarkPassed: passed,
        watermark,
        rechecks,
      };
    }
    await sleep(options.pollMs);
  }
}
