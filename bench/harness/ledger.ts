// What the service's ledger says was committed, and when: the ledger row is written in the
// batch's transaction, just before its COMMIT.
import type { Connection } from 'databend-driver';
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';

export interface LedgerEntry {
  readonly key: string;
  readonly batch: string;
  readonly rows: number;
  /** `loaded_at`, ms since the epoch. */
  readonly loadedAtMs: number;
}

/** `2026-11-28 01:21:59.123456` (UTC, as Databend prints a TIMESTAMP) → ms since the epoch. */
export function databendTimestampMs(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (match === null) throw new Error(`not a Databend timestamp: ${text}`);
  const fraction = (match[3] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${match[1]}T${match[2]}Z`) + Number(fraction) / 1000;
}

/**
 * Rows loaded at or after `since` only, when given: an aged ledger holds millions of rows from
 * before the run (the filter on `loaded_at` prunes them by the blocks' min/max).
 */
function sinceFilter(since: Date | undefined): string {
  if (since === undefined) return '';
  const text = since.toISOString().replace('T', ' ').replace('Z', '');
  return ` WHERE ${quoteIdent('loaded_at')} >= ${quoteString(text)}::TIMESTAMP`;
}

export async function readLedger(
  conn: Connection,
  control: string,
  since?: Date,
): Promise<LedgerEntry[]> {
  const rows = await conn.queryAll(
    `SELECT ${quoteIdent('object_key')}, ${quoteIdent('batch_id')}, ${quoteIdent('row_count')}::STRING, ` +
      `${quoteIdent('loaded_at')}::STRING FROM ${qualified(control, 'files')}${sinceFilter(since)}`,
  );
  return rows.map((r) => {
    const [key, batch, count, loadedAt] = r.values() as string[];
    return {
      key: String(key),
      batch: String(batch),
      rows: Number(count),
      loadedAtMs: databendTimestampMs(String(loadedAt)),
    };
  });
}

/** Files in the ledger so far; 0 before the control tables exist. */
export async function ledgerCount(
  conn: Connection,
  control: string,
  since?: Date,
): Promise<number> {
  try {
    const row = await conn.queryRow(
      `SELECT count(*)::STRING FROM ${qualified(control, 'files')}${sinceFilter(since)}`,
    );
    return Number((row?.values() as string[] | undefined)?.[0] ?? 0);
  } catch {
    return 0;
  }
}

/** Polls until the ledger holds `expected` files; false when the time is up first. */
export async function waitForLedger(
  conn: Connection,
  control: string,
  expected: number,
  timeoutMs: number,
  pollMs = 250,
  since?: Date,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await ledgerCount(conn, control, since)) >= expected) return true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return (await ledgerCount(conn, control, since)) >= expected;
}
