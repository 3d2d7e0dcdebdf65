/**
 * The replicas' lease (`<control>.leases`, one row per lease name): who is the active replica
 * (owner), its fencing token (raised by one at every takeover), its last heartbeat and when it
 * expires. Times are the engine's `now()`, so replicas' clocks never need to agree.
 *
 * Acquiring and renewing UPDATE the row inside a transaction: two replicas that both find the
 * lease expired both rewrite the row, and Databend's optimistic commit lets only one of them
 * commit (4001/2011 for the other), the same exclusion the per-table claim relies on.
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { numeric, text } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';

export const LEASES_TABLE = 'leases';

/** One active writer per queue: replicas of one deployment share it, other deployments do not. */
export function replicasLeaseName(config: { sqs: { queueUrl: string } }): string {
  return `sqs:${config.sqs.queueUrl}`;
}

const columns: readonly [string, string][] = [
  ['name', 'VARCHAR'],
  ['owner', 'VARCHAR'],
  ['token', 'BIGINT'],
  ['acquired_at', 'TIMESTAMP'],
  ['heartbeat_at', 'TIMESTAMP'],
  ['expires_at', 'TIMESTAMP'],
];

const col = (name: string): string => quoteIdent(name);

export function createLeasesTableSql(controlDatabase: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(controlDatabase, LEASES_TABLE)} (${columns
    .map(([n, t]) => `${col(n)} ${t}`)
    .join(', ')})`;
}

/** The lease's row, once: an expired lease held by nobody. Outside any transaction. */
export function seedLeaseSql(controlDatabase: string, name: string): string {
  const leases = qualified(controlDatabase, LEASES_TABLE);
  return (
    `INSERT INTO ${leases} (${columns.map(([n]) => col(n)).join(', ')}) ` +
    `SELECT ${quoteString(name)}, '', 0, now(), now(), to_timestamp(0) ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${leases} WHERE ${col('name')} = ${quoteString(name)})`
  );
}

export interface LeaseRow {
  readonly owner: string;
  readonly token: number;
  readonly expiresInMs: number;
  readonly heartbeatAgoMs: number;
}

/** The lease as the engine sees it now: owner, token, ms until expiry (negative: expired). */
export function readLeaseSql(controlDatabase: string, name: string): string {
  return (
    `SELECT ${col('owner')} AS owner, ${col('token')} AS token, (` +
    `${micros(col('expires_at'))} - ${micros('now()')}) DIV 1000 AS expires_in_ms, ` +
    `(${micros('now()')} - ${micros(col('heartbeat_at'))}) DIV 1000 AS heartbeat_ago_ms ` +
    `FROM ${qualified(controlDatabase, LEASES_TABLE)} WHERE ${col('name')} = ${quoteString(name)} ` +
    `ORDER BY ${col('token')} DESC LIMIT 1`
  );
}

/** A timestamp as microseconds since the epoch (the engine has no add_milliseconds). */
function micros(timestamp: string): string {
  return `to_int64(${timestamp})`;
}

/** A row of readLeaseSql. */
export function leaseFromRow(row: Row): LeaseRow {
  return {
    owner: text(row, 'owner'),
    token: numeric(row, 'token'),
    expiresInMs: numeric(row, 'expires_in_ms'),
    heartbeatAgoMs: numeric(row, 'heartbeat_ago_ms'),
  };
}

function expiry(ttlMs: number): string {
  return `to_timestamp(${micros('now()')} + ${String(Math.trunc(ttlMs) * 1000)})`;
}

/** Takes the lease if it expired (or is already ours after a restart under the same owner). */
export function takeLeaseSql(
  controlDatabase: string,
  name: string,
  owner: string,
  ttlMs: number,
): string {
  return (
    `UPDATE ${qualified(controlDatabase, LEASES_TABLE)} SET ${col('owner')} = ${quoteString(owner)}, ` +
    `${col('token')} = ${col('token')} + 1, ${col('acquired_at')} = now(), ${col('heartbeat_at')} = now(), ` +
    `${col('expires_at')} = ${expiry(ttlMs)} ` +
    `WHERE ${col('name')} = ${quoteString(name)} AND (${col('expires_at')} < now() OR ${col('owner')} = ${quoteString(owner)})`
  );
}

/** Extends the lease while this owner and token still hold it; matches no row otherwise. */
export function renewLeaseSql(
  controlDatabase: string,
  name: string,
  owner: string,
  token: number,
  ttlMs: number,
): string {
  return (
    `UPDATE ${qualified(controlDatabase, LEASES_TABLE)} SET ${col('heartbeat_at')} = now(), ` +
    `${col('expires_at')} = ${expiry(ttlMs)} ` +
    `WHERE ${held(name, owner, token)}`
  );
}

/** Gives the lease up at once (clean shutdown), so a standby need not wait for it to expire. */
export function releaseLeaseSql(
  controlDatabase: string,
  name: string,
  owner: string,
  token: number,
): string {
  return (
    `UPDATE ${qualified(controlDatabase, LEASES_TABLE)} SET ${col('expires_at')} = to_timestamp(0) ` +
    `WHERE ${held(name, owner, token)}`
  );
}

/** A row while this owner and token hold a live lease: checked inside every batch transaction. */
export function leaseLiveSql(
  controlDatabase: string,
  name: string,
  owner: string,
  token: number,
): string {
  return (
    `SELECT 1 AS live FROM ${qualified(controlDatabase, LEASES_TABLE)} ` +
    `WHERE ${held(name, owner, token)} AND ${col('expires_at')} > now()`
  );
}

function held(name: string, owner: string, token: number): string {
  return (
    `${col('name')} = ${quoteString(name)} AND ${col('owner')} = ${quoteString(owner)} ` +
    `AND ${col('token')} = ${String(Math.trunc(token))}`
  );
}
