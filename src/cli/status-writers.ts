/**
 * `status`, who writes: the replica holding the replicas' lease (the active writer) and, per
 * table, the writer that claimed it last (a replica, or an operator command such as backfill).
 */
import { claimHolderFromRow, claimHolderSql } from '../control/claim-sql.js';
import { replicasLeaseName } from '../control/lease-sql.js';
import type { SqlSession } from '../databend/session-pool.js';
import { readHolder, type LeaseHolder } from '../lifecycle/replica-lease.js';
import type { Config } from '../config.js';
import { queryIfExists } from './operator-context.js';

export interface TableWriter {
  readonly table: string;
  readonly owner: string;
  readonly token: number;
  readonly claimedAt: string;
}

export interface WritersStatus {
  /** The lease as the engine has it now; undefined before any replica ran. */
  readonly lease: LeaseHolder | undefined;
  readonly tables: TableWriter[];
}

export async function readWriters(
  session: SqlSession,
  config: Config,
  tables: readonly string[],
): Promise<WritersStatus> {
  const control = config.databend.controlDatabase;
  const lease = await readHolder(session, control, replicasLeaseName(config)).catch(
    () => undefined,
  );
  const writers: TableWriter[] = [];
  for (const table of tables) {
    const [row] = await queryIfExists(session, claimHolderSql(control, table));
    const holder = claimHolderFromRow(row);
    if (holder !== undefined) writers.push({ table, ...holder });
  }
  return { lease, tables: writers };
}

/** The lease holder while its lease is live, else undefined. */
export function liveHolder(lease: LeaseHolder | undefined): LeaseHolder | undefined {
  return lease !== undefined && lease.owner !== '' && lease.expiresInMs > 0 ? lease : undefined;
}

export function formatWriters(writers: WritersStatus): string[] {
  const { lease } = writers;
  const live = liveHolder(lease);
  const seconds = (ms: number): string => `${(Math.abs(ms) / 1000).toFixed(1)} s`;
  const lines = [
    live !== undefined
      ? `active replica: ${live.owner} (fencing token ${live.token}; renewed ${seconds(live.heartbeatAgoMs)} ago, expires in ${seconds(live.expiresInMs)})`
      : lease === undefined || lease.owner === ''
        ? 'active replica: none (no replica has held the lease)'
        : `active replica: none (the lease of ${lease.owner}, token ${lease.token}, expired ${seconds(lease.expiresInMs)} ago)`,
  ];
  for (const w of writers.tables)
    lines.push(`  ${w.table}: last claimed by ${w.owner} (token ${w.token}) at ${w.claimedAt}`);
  return lines;
}
