/**
 * How far back the ledger must be read to know whether files are loaded. A CDC file's name is
 * its creation time (UTC), and no file is loaded before it exists, so its ledger row, if any, has
 * `loaded_at` at or after that time. The ledger is appended in `loaded_at` order, so its blocks'
 * min/max of `loaded_at` let Databend skip every block older than the oldest file asked about:
 * a look-up of new files reads the newest blocks only, however old the ledger is.
 *
 * The margin covers a DMS clock or time zone that is off from Databend's (names are written by
 * the replication instance, `loaded_at` by Databend's `now()`); a day costs a day of ledger rows.
 * A full-load file's name carries no time, so a look-up that includes one reads the whole ledger
 * (full loads are rare, and their files are few).
 */
import type { DmsFileKey } from './key-layout.js';

export const LEDGER_WINDOW_MARGIN_MS = 24 * 60 * 60 * 1000;

/** The CDC file's creation time from its name; undefined for full-load files. */
export function cdcCreatedAt(key: DmsFileKey): Date | undefined {
  if (key.kind !== 'cdc') return undefined;
  const t = key.cdcTimestamp;
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}.${t.slice(14, 17)}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * The earliest `loaded_at` any of these files can have in the ledger; undefined when one of them
 * gives no bound (a full-load file, a key outside the layout), and the whole ledger is read.
 */
export function earliestLoadTime(keys: readonly (DmsFileKey | undefined)[]): Date | undefined {
  let earliest = Number.POSITIVE_INFINITY;
  for (const key of keys) {
    const created = key === undefined ? undefined : cdcCreatedAt(key);
    if (created === undefined) return undefined;
    earliest = Math.min(earliest, created.getTime());
  }
  return Number.isFinite(earliest) ? new Date(earliest - LEDGER_WINDOW_MARGIN_MS) : undefined;
}
