/**
 * Heals drift through the normal path: the differing keys are read again from the source in
 * one snapshot and written as one batch of synthetic changes (repair-sql.ts) — raw rows with
 * their lineage, then the same MERGE into ODS every batch runs, in one transaction — so ODS
 * moves only where the `_seq` guard lets it. Keys the source lacks become tombstones. The
 * transaction claims the table first, like every batch (src/merge/batch-fence.ts).
 */
import type { Config } from '../config.js';
import { claimSql, createClaimTableSql } from '../control/claim-sql.js';
import { writerName } from '../control/writer-name.js';
import { toDatabendError } from '../databend/error-codes.js';
import type { SessionPool } from '../databend/session-pool.js';
import { newBatchId } from '../merge/batch-statements.js';
import { describeOds } from './ods-reader.js';
import { createRepairsTableSql, repairStatements, type RepairChange } from './repair-sql.js';
import { redactUrl, type MysqlSource } from './source-reader.js';
import type { TablePair } from './table-pair.js';
import { keyText, sourceRead, type KeyDifference } from './table-walk.js';

export interface RepairPlan {
  readonly readAt: string;
  readonly changes: readonly RepairChange[];
  readonly upserts: number;
  readonly tombstones: number;
}

export interface RepairResult extends RepairPlan {
  readonly batchId: string;
  readonly rowsMerged: number;
}

export class RepairError extends Error {
  override readonly name = 'RepairError';
}

/** What a repair of these keys would write, read from the source now. */
export async function planRepair(
  source: MysqlSource,
  pair: TablePair,
  drift: readonly KeyDifference[],
): Promise<RepairPlan> {
  const keys = drift.map((d) => d.key);
  const { readAt, rows } = await source.snapshotByKey(sourceRead(pair), keys);
  const found = new Map(rows.map((r) => [keyText(r.key), r]));
  const changes: RepairChange[] = keys.map((key) => {
    const row = found.get(keyText(key));
    if (row !== undefined) return { op: 'I', values: row.values };
    return {
      op: 'D',
      values: pair.columns.map((_, i) => (i < key.length ? (key[i] ?? null) : null)),
    };
  });
  const upserts = changes.filter((c) => c.op === 'I').length;
  return { readAt, changes, upserts, tombstones: changes.length - upserts };
}

const TRANSIENT_ATTEMPTS = 5;

export async function applyRepair(
  pool: SessionPool,
  config: Config,
  source: MysqlSource,
  pair: TablePair,
  plan: RepairPlan,
): Promise<RepairResult> {
  const { databend, dms } = config;
  if (dms.timestampColumn === null) {
    throw new RepairError(
      'repair needs dms.timestampColumn: without it a synthetic change cannot be ordered against CDC changes',
    );
  }
  const batchId = newBatchId();
  if (plan.changes.length === 0) return { ...plan, batchId, rowsMerged: 0 };
  const rawTypes = await pool.with((s) => describeOds(s, databend.rawDatabase, pair.target));
  const columns = pair.columns.map((c) => {
    const rawType = rawTypes.get(c.name);
    if (rawType === undefined)
      throw new RepairError(`raw.${pair.target} lacks column ${c.name}: load a file first`);
    return { name: c.name, rawType, sourceDataType: c.source.dataType };
  });
  const timestampType = rawTypes.get(dms.timestampColumn);
  const statements = repairStatements({
    rawDatabase: databend.rawDatabase,
    odsDatabase: databend.odsDatabase,
    controlDatabase: databend.controlDatabase,
    target: pair.target,
    sourceName: pair.name,
    source: redactUrl(source.url),
    primaryKey: pair.key.map((k) => k.name),
    columns,
    opColumn: dms.opColumn,
    timestampColumn:
      timestampType === undefined
        ? undefined
        : { name: dms.timestampColumn, rawType: timestampType },
    batchId,
    readAt: plan.readAt,
    changes: plan.changes,
  });
  // DDL commits an open transaction, so it runs before the batch's.
  await pool.with(async (s) => {
    await s.exec(createRepairsTableSql(databend.controlDatabase));
    for (const sql of createClaimTableSql(databend.controlDatabase, pair.target)) await s.exec(sql);
  });
  // The same fencing as every batch: the table's claim first, so a repair and a batch of the
  // service never both commit (one of them fails with 4001/2011 and runs again).
  const claim = claimSql(
    databend.controlDatabase,
    pair.target,
    { owner: writerName('reconcile') },
    batchId,
  );
  for (let attempt = 1; ; attempt++) {
    try {
      const rowsMerged = await pool.with(async (session) => {
        await session.exec('BEGIN');
        try {
          await session.exec(claim);
          await session.exec(statements.insertRaw);
          const merged = await session.exec(statements.merge);
          await session.exec(statements.lineage);
          await session.exec('COMMIT');
          return merged;
        } catch (error) {
          await session.exec('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
      return { ...plan, batchId, rowsMerged };
    } catch (error) {
      const failure = toDatabendError(error);
      if (!failure.transient || attempt >= TRANSIENT_ATTEMPTS) throw failure;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
    }
  }
}
