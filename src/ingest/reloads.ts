/**
 * Reload = snapshot. Notices a table's new full-load generation (a LOAD key loaded under a new
 * ETag, or ObjectRemoved events for its LOAD files), and once that generation is complete
 * (reload-generation.ts) tombstones every ODS key it lacks that no later change touched
 * (merge/reload-sql.ts). Runs in the table's own slot after each of its batches, so it never
 * writes beside the table's batch; `reload --table` runs the same steps for an operator.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import {
  appliedCount,
  appliedSinceSql,
  ledgerLoadFiles,
  ledgerLoadFilesSql,
  newestCdcKey,
  markReloadAppliedSql,
  newestCdcFileSql,
  openReloadSql,
  openReloadFromRow,
  openReloadsSql,
  type OpenReload,
} from '../control/reloads-sql.js';
import { text } from '../databend/rows.js';
import type { SessionPool, SqlSession } from '../databend/session-pool.js';
import type { PipelineEvents } from '../events.js';
import type { S3FileRef } from '../files/file-ref.js';
import {
  emptySnapshotBoundary,
  insertReloadDeletesSql,
  mergeReloadDeletesSql,
  snapshotBoundarySql,
  staleKeysSql,
  type ReloadTables,
} from '../merge/reload-sql.js';
import { newBatchId } from '../merge/batch-statements.js';
import type { BucketLister } from './bucket-lister.js';
import type { FileResult } from './file-outcome.js';
import { parseKey } from '../files/key-layout.js';
import type { PendingFile } from './pending-file.js';
import { cdcFileTime, evaluateGeneration, type Generation } from './reload-generation.js';
import { supersededLoad } from './superseded-load.js';
import { listLoadObjects } from './load-listing.js';
import { tableFolderPrefix } from './sweep-cursor.js';
import { routeTable, type TableRoute } from './table-routes.js';
import { fileId } from '../files/file-ref.js';

export interface ReloadStatus extends Generation {
  readonly table: string;
  readonly generation: string | undefined;
}

export interface ReloadApplied {
  readonly table: string;
  readonly generation: string;
  readonly boundary: string;
  readonly tombstoned: number;
}

export interface ReloadsDeps {
  readonly config: Config;
  readonly pool: SessionPool;
  readonly lister: BucketLister;
  readonly events: PipelineEvents;
  readonly logger: Logger;
}

export class Reloads {
  /** Open generations by target table. */
  private readonly open = new Map<string, OpenReload>();

  constructor(private readonly deps: ReloadsDeps) {}

  /** Reads the generations not applied yet (at start-up). */
  async restore(): Promise<void> {
    const rows = await this.deps.pool.with((s) =>
      s.query(openReloadsSql(this.deps.config.databend.controlDatabase)),
    );
    for (const open of rows.map(openReloadFromRow)) this.open.set(open.table, open);
  }

  /** ObjectRemoved events: a removed LOAD file starts a generation of its table. */
  async noteRemovals(removed: readonly Pick<S3FileRef, 'key' | 'eventTime'>[]): Promise<void> {
    for (const ref of removed) {
      const layout = parseKey(ref.key, { bucketFolder: this.deps.config.s3.bucketFolder });
      if (!layout.ok || layout.file.kind !== 'load') continue;
      const route = routeTable(this.deps.config.tables, layout.file.schema, layout.file.table);
      await this.begin(route, ref.eventTime, 'its LOAD files were removed');
    }
  }

  /**
   * After a batch of the table: a LOAD file loaded under a key the ledger held with another ETag
   * starts a generation; an open generation that is now complete is applied. Never throws: a
   * failure is logged and the next batch tries again.
   */
  async afterBatch(
    table: string,
    files: readonly PendingFile[],
    outcomes: ReadonlyMap<string, FileResult>,
  ): Promise<void> {
    try {
      const loads = files.filter(
        (f) => f.key.kind === 'load' && outcomes.get(fileId(f.ref))?.kind === 'done',
      );
      const route = files[0]?.route;
      if (route === undefined || route.primaryKey === undefined) return;
      if (loads.length > 0 && !this.open.has(table) && (await this.rewritten(table, loads)))
        await this.begin(route, undefined, 'a LOAD key was loaded under a new ETag');
      if (!this.open.has(table)) {
        const superseded = await supersededLoad(this.deps.lister, files, outcomes);
        if (superseded !== undefined && !(await this.handledSince(table, superseded.endedAt)))
          await this.begin(route, superseded.endedAt, superseded.why);
      }
      if (!this.open.has(table)) return;
      const status = await this.status(route);
      if (status.complete) await this.apply(route, status);
    } catch (err) {
      this.deps.logger.warn({ err, table }, 'checking the table for a reload failed');
    }
  }

  /** The table's newest generation as S3 and the ledger show it now. */
  async status(route: TableRoute): Promise<ReloadStatus> {
    const { config, pool } = this.deps;
    const control = config.databend.controlDatabase;
    const open = this.open.get(route.target);
    const [schema = '', table = ''] = splitSource(open?.source ?? route.source);
    const listedLoads = await listLoadObjects(
      this.deps.lister,
      config.s3.bucketFolder,
      tableFolderPrefix(config.s3.bucketFolder, schema, table),
    );
    const [ledger, newestCdc] = await pool.with(async (s) => [
      await s.query(ledgerLoadFilesSql(control, route.target)),
      await s.query(newestCdcFileSql(control, route.target)),
    ]);
    const cdcKey = newestCdcKey(newestCdc);
    const cdcLayout =
      cdcKey !== undefined ? parseKey(cdcKey, { bucketFolder: config.s3.bucketFolder }) : undefined;
    const generation = evaluateGeneration({
      listedLoads,
      ledger: ledgerLoadFiles(ledger).map((f) => ({ ...f, kind: 'load' as const })),
      removedAt: open?.removedAt,
      newestCdcTime:
        cdcLayout?.ok === true && cdcLayout.file.kind === 'cdc'
          ? cdcFileTime(cdcLayout.file.cdcTimestamp)
          : undefined,
    });
    return { ...generation, table: route.target, generation: open?.generation };
  }

  /** The keys a complete generation would tombstone now (for a dry run). */
  async wouldTombstone(route: TableRoute, status: ReloadStatus, limit = 50): Promise<string[]> {
    const t = this.tables(route);
    const members = loadedMembers(status);
    return this.deps.pool.with(async (s) => {
      const boundary = await this.boundary(s, t, status);
      if (boundary === undefined) return [];
      const rows = await s.query(`${staleKeysSql(t, members, boundary)} LIMIT ${limit}`);
      return rows.map((row) => t.primaryKey.map((k) => text(row, k)).join(', '));
    });
  }

  /** Tombstones what the generation lacks, in one transaction; marks the generation applied. */
  async apply(route: TableRoute, status: ReloadStatus): Promise<ReloadApplied | undefined> {
    const { config, events, logger } = this.deps;
    const generation = this.open.get(route.target)?.generation;
    if (generation === undefined) return undefined;
    const t = this.tables(route);
    const members = loadedMembers(status);
    const applied = await this.deps.pool.with(async (s) => {
      const boundary = await this.boundary(s, t, status);
      if (boundary === undefined) return undefined;
      const batchId = newBatchId();
      await s.exec('BEGIN');
      try {
        const tombstoned = await s.exec(
          insertReloadDeletesSql(t, members, boundary, generation, batchId),
        );
        await s.exec(mergeReloadDeletesSql(t, batchId));
        await s.exec(
          markReloadAppliedSql(config.databend.controlDatabase, generation, boundary, tombstoned),
        );
        await s.exec('COMMIT');
        return { table: route.target, generation, boundary, tombstoned };
      } catch (error) {
        await s.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    if (applied === undefined) return undefined;
    this.open.delete(route.target);
    events.emit('reload:applied', { table: route.target, tombstoned: applied.tombstoned });
    logger.info(
      { ...applied, members: status.members.size, leftovers: status.leftovers },
      'reload applied as a snapshot: keys the new full load lacks are deleted',
    );
    return applied;
  }

  /** Opens a generation unless one is open (it may have started with the removal). */
  async begin(route: TableRoute, removedAt: Date | undefined, why: string): Promise<void> {
    if (route.primaryKey === undefined || this.open.has(route.target)) return;
    const reload = {
      table: route.target,
      generation: newBatchId(),
      source: route.source,
      removedAt,
    };
    this.open.set(route.target, reload);
    await this.deps.pool.with((s) =>
      s.exec(openReloadSql(this.deps.config.databend.controlDatabase, reload)),
    );
    this.deps.events.emit('reload:seen', { table: route.target });
    this.deps.logger.info(
      { table: route.target, generation: reload.generation },
      `a new full load of ${route.source} began (${why}); applied as a snapshot once complete`,
    );
  }

  /** Whether a generation seen at or after `since` has been applied already. */
  private async handledSince(table: string, since: Date): Promise<boolean> {
    const control = this.deps.config.databend.controlDatabase;
    const rows = await this.deps.pool.with((s) => s.query(appliedSinceSql(control, table, since)));
    return appliedCount(rows) > 0;
  }

  /** Whether the ledger holds one of these LOAD keys under another ETag too. */
  private async rewritten(table: string, loads: readonly PendingFile[]): Promise<boolean> {
    const control = this.deps.config.databend.controlDatabase;
    const rows = await this.deps.pool.with((s) => s.query(ledgerLoadFilesSql(control, table)));
    const current = new Map(loads.map((f) => [f.ref.key, f.ref.etag]));
    return ledgerLoadFiles(rows).some((f) => {
      const etag = current.get(f.key);
      return etag !== undefined && etag !== f.etag;
    });
  }

  /** The generation's smallest `_seq`; for a generation without rows, its start's (empty). */
  private async boundary(
    s: SqlSession,
    t: ReloadTables,
    status: Generation,
  ): Promise<string | undefined> {
    const members = loadedMembers(status);
    if (members.size > 0) {
      const [row] = await s.query(snapshotBoundarySql(t, members));
      if (typeof row?.boundary === 'string' && row.boundary !== '') return row.boundary;
    }
    return status.startedAt === undefined ? undefined : emptySnapshotBoundary(status.startedAt);
  }

  private tables(route: TableRoute): ReloadTables {
    const { databend, dms } = this.deps.config;
    return {
      rawDatabase: databend.rawDatabase,
      odsDatabase: databend.odsDatabase,
      table: route.target,
      primaryKey: route.primaryKey ?? [],
      opColumn: dms.opColumn,
    };
  }
}

function splitSource(source: string): [string, string] {
  const dot = source.indexOf('.');
  return [source.slice(0, dot), source.slice(dot + 1)];
}

/** Members the ledger holds (key → batch). */
function loadedMembers(status: Generation): Map<string, string> {
  const members = new Map<string, string>();
  for (const [key, batch] of status.members) if (batch !== undefined) members.set(key, batch);
  return members;
}
