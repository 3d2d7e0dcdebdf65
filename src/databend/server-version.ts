/**
 * The oldest Databend the service supports, checked at start-up with `SELECT version()`.
 *
 * 1.2.892 is set by the newest feature the service relies on:
 * - `ALTER TABLE … ADD COLUMN IF NOT EXISTS` (1.2.892): schema evolution and control-table
 *   migrations are idempotent only with it; older servers fail with 1108 on a column that exists.
 * - `COPY INTO … FROM (SELECT …, metadata$filename, metadata$file_row_number FROM @stage)` over
 *   Parquet (1.2.703): the lineage columns `_file` and `_row` of raw.
 * - multi-statement transactions with COPY, MERGE and INSERT inside (1.2.371), `MERGE INTO` with
 *   several WHEN clauses and without `enable_experimental_merge_into` (1.2.832), `QUALIFY`.
 */
import type { SqlSession } from './session-pool.js';

export const MIN_DATABEND_VERSION = [1, 2, 892] as const;

export type ServerVersion = readonly [number, number, number];

/** "Databend Query v1.2.895-nightly-363a49c1dd(rust-1.94.0-…)" → [1, 2, 895]. */
export function parseServerVersion(text: string): ServerVersion | undefined {
  const match = /\bv?(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function atLeast(found: ServerVersion, needed: ServerVersion): boolean {
  for (let i = 0; i < 3; i++) {
    const a = found[i] ?? 0;
    const b = needed[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export function versionText(version: ServerVersion): string {
  return version.join('.');
}

export interface VersionVerdict {
  readonly ok: boolean;
  /** What the server said, without its build suffix. */
  readonly found: string;
  readonly detail: string;
}

export function judgeServerVersion(text: string): VersionVerdict {
  const found = text.replace(/\(.*$/, '').trim();
  const version = parseServerVersion(text);
  const needed = versionText(MIN_DATABEND_VERSION);
  if (version === undefined)
    return {
      ok: false,
      found,
      detail: `cannot read a version in "${found}"; needs ${needed} or newer`,
    };
  if (!atLeast(version, MIN_DATABEND_VERSION))
    return {
      ok: false,
      found,
      detail:
        `Databend ${versionText(version)} is older than ${needed}, the oldest this release supports ` +
        '(it needs ALTER TABLE … ADD COLUMN IF NOT EXISTS); upgrade Databend',
    };
  return { ok: true, found, detail: `${found} (${needed} or newer needed)` };
}

/** The server is too old (or says no version); the message names both versions. */
export class UnsupportedDatabendError extends Error {
  override readonly name = 'UnsupportedDatabendError';
}

export async function checkServerVersion(session: SqlSession): Promise<VersionVerdict> {
  const rows = await session.query('SELECT version() AS v');
  const text = rows[0]?.v;
  const verdict = judgeServerVersion(typeof text === 'string' ? text : '');
  if (!verdict.ok) throw new UnsupportedDatabendError(verdict.detail);
  return verdict;
}
