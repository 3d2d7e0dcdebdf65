/**
 * Rebuilds a table's ODS from its raw change log without reloading any file: creates the ODS
 * table if it is missing (a key configured after the table was first loaded) or adds the columns
 * it lacks, then merges all of raw in chunks of whole batches with the same ordered, deduplicated
 * MERGE a batch uses. A change applies only when it is newer than the row, so chunks may run in
 * any order, a running service may load the same table meanwhile (a commit conflict is retried),
 * and a replay interrupted halfway can simply be run again.
 *
 * ODS rows are never deleted: rows whose changes retention already removed from raw stay as they
 * are. To rebuild an ODS table from nothing, drop it first.
 */
import type { Config } from '../config.js';
import { runClaimed } from '../control/claim-tables.js';
import { writerName } from '../control/writer-name.js';
import { toDatabendError } from '../databend/error-codes.js';
import type { SessionPool, SqlSession } from '../databend/session-pool.js';
import { backoffMs, sleep } from '../lifecycle/backoff.js';
import { beforeImageColumnNames, beforeImageColumnsIn } from '../merge/before-image.js';
import { mergeRawRangeIntoOdsSql } from '../merge/merge-sql.js';
import {
  rawChunksSql,
  rawSampleFileSql,
  replayChunkFromRow,
  type ReplayChunk,
} from '../merge/replay-sql.js';
import type { TableColumn } from '../schema/schema-diff.js';
import { planLayer } from '../schema/schema-plan.js';
import {
  ODS_STATE_COLUMNS,
  parseColumnRows,
  RAW_LINEAGE_COLUMNS,
  readColumnsSql,
} from '../schema/table-ddl.js';
import { parseKey } from '../files/key-layout.js';
import { routeTable, type TableRoute } from './table-routes.js';

/** A replay that cannot start; the message says what the operator should do. */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

export type { ReplayChunk };

export interface ReplayPlan {
  readonly table: string;
  readonly route: TableRoute;
  /** Statements run before merging: ODS creation or new columns; empty when ODS is current. */
  readonly ddl: readonly string[];
  readonly chunks: readonly ReplayChunk[];
  readonly rawRows: number;
}

export interface ReplayProgress {
  readonly chunk: number;
  readonly chunks: number;
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

export interface ReplayResult {
  readonly rawRows: number;
  readonly chunks: number;
  /** ODS rows inserted, updated or tombstoned, as the driver reports them. */
  readonly rowsMerged: number;
  readonly odsCreated: boolean;
  readonly columnsAdded: number;
}

export interface ReplayOptions {
  readonly chunkRows: number;
  readonly onPlan?: (plan: ReplayPlan) => void;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Attempts per chunk on transient errors (a batch of the service committed meanwhile). */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function replayTable(
  pool: SessionPool,
  config: Config,
  table: string,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const plan = await pool.with((session) => planReplay(session, config, table, options.chunkRows));
  options.onPlan?.(plan);
  await pool.with(async (session) => {
    for (const sql of plan.ddl) await session.exec(sql);
  });
  const { columns, primaryKey, beforeImageColumns } = await mergeShape(pool, config, plan);

  let rowsDone = 0;
  let rowsMerged = 0;
  for (const [index, chunk] of plan.chunks.entries()) {
    const sql = mergeRawRangeIntoOdsSql({
      rawDatabase: config.databend.rawDatabase,
      rawTable: table,
      odsDatabase: config.databend.odsDatabase,
      odsTable: table,
      columns,
      primaryKey,
      opColumn: config.dms.opColumn,
      batches: { from: chunk.firstBatch, to: chunk.lastBatch },
      snapshotsIn: config.databend.controlDatabase,
      ...(beforeImageColumns === undefined ? {} : { beforeImageColumns }),
    });
    // Claimed like a batch: safe beside a running service, whose batches of the table then wait.
    const writer = {
      controlDatabase: config.databend.controlDatabase,
      owner: writerName('replay'),
    };
    rowsMerged += await withRetries(
      () => pool.with((s) => runClaimed(s, writer, table, sql)),
      options,
    );
    rowsDone += chunk.rows;
    options.onProgress?.({
      chunk: index + 1,
      chunks: plan.chunks.length,
      rowsDone,
      rowsTotal: plan.rawRows,
    });
  }
  const odsCreated = plan.ddl.some((sql) => sql.startsWith('CREATE TABLE'));
  return {
    rawRows: plan.rawRows,
    chunks: plan.chunks.length,
    rowsMerged,
    odsCreated,
    columnsAdded: odsCreated ? 0 : plan.ddl.filter((sql) => sql.includes(' ADD COLUMN ')).length,
  };
}

/** The columns, key and before images the replay's MERGE uses, from ODS and raw as they are. */
async function mergeShape(
  pool: SessionPool,
  config: Config,
  plan: ReplayPlan,
): Promise<{
  columns: string[];
  primaryKey: readonly string[];
  beforeImageColumns: readonly string[] | undefined;
}> {
  const { table } = plan;
  const odsColumns = await pool.with((s) => columnsOf(s, config.databend.odsDatabase, table));
  const rawColumns = await pool.with((s) => columnsOf(s, config.databend.rawDatabase, table));
  const inRaw = new Set(rawColumns.map((c) => c.name));
  const state = new Set(ODS_STATE_COLUMNS.map((c) => c.name));
  // An ODS column raw lacks (added by hand) is left out: it stays NULL on insert.
  const columns = odsColumns.map((c) => c.name).filter((n) => !state.has(n) && inRaw.has(n));
  const primaryKey = plan.route.primaryKey ?? [];
  // As in a batch: key-changing updates also tombstone the old key when raw has before images.
  const beforeImageColumns = beforeImageColumnsIn(primaryKey, config.dms.beforeImagePrefix, inRaw);
  return { columns, primaryKey, beforeImageColumns };
}

/** Reads raw, routes the table, and decides the DDL and the chunks; runs nothing. */
export async function planReplay(
  session: SqlSession,
  config: Config,
  table: string,
  chunkRows: number,
): Promise<ReplayPlan> {
  const { rawDatabase, odsDatabase } = config.databend;
  const rawColumns = await columnsOf(session, rawDatabase, table);
  if (rawColumns.length === 0)
    throw new ReplayError(`${rawDatabase}.${table} does not exist: nothing to replay`);
  const sample = await session.query(rawSampleFileSql(rawDatabase, table));
  const file = sample[0]?.file;
  if (typeof file !== 'string')
    throw new ReplayError(`${rawDatabase}.${table} holds no rows: nothing to replay`);
  const route = routeOfFile(config, file, table);

  const lineage = new Set(RAW_LINEAGE_COLUMNS.map((c) => c.name));
  // Before-image columns stay in raw only, as the batch loader keeps them.
  const rawOnly = new Set(
    beforeImageColumnNames(route.primaryKey ?? [], config.dms.beforeImagePrefix),
  );
  const wanted = rawColumns.filter(
    (c) => !lineage.has(c.name) && c.name !== config.dms.opColumn && !rawOnly.has(c.name),
  );
  const missingKey = (route.primaryKey ?? []).filter((k) => !wanted.some((c) => c.name === k));
  if (missingKey.length > 0)
    throw new ReplayError(
      `${rawDatabase}.${table} lacks primary-key column(s) ${missingKey.join(', ')}`,
    );
  const ddl = odsDdl(odsDatabase, table, await columnsOf(session, odsDatabase, table), wanted);

  const chunks = (await session.query(rawChunksSql(rawDatabase, table, chunkRows))).map(
    replayChunkFromRow,
  );
  return { table, route, ddl, chunks, rawRows: chunks.reduce((sum, c) => sum + c.rows, 0) };
}

/** The table's route, from a file raw holds: its key says which DMS folder feeds the table. */
function routeOfFile(config: Config, file: string, table: string): TableRoute {
  const layout = parseKey(file, { bucketFolder: config.s3.bucketFolder });
  if (!layout.ok)
    throw new ReplayError(`cannot tell which source feeds ${table}: ${file} ${layout.reason}`);
  const route = routeTable(config.tables, layout.file.schema, layout.file.table);
  if (route.target !== table)
    throw new ReplayError(
      `${table} is fed by ${route.source}, which the configuration now loads into ${route.target}`,
    );
  if (route.primaryKey === undefined)
    throw new ReplayError(
      `no primary key is configured for ${route.source}: set tables.byName["${route.source}"].primaryKey ` +
        'or tables.defaultPrimaryKey, then replay',
    );
  return route;
}

/** CREATE when ODS is missing, ADD/MODIFY COLUMN when raw has more or wider columns. */
function odsDdl(
  odsDatabase: string,
  table: string,
  current: readonly TableColumn[],
  wanted: readonly TableColumn[],
): readonly string[] {
  const step = planLayer({
    layer: 'ods',
    database: odsDatabase,
    table,
    current,
    wanted,
    file: { key: 'the raw table', unsupported: [] },
  });
  if (!step.ok) throw new ReplayError(step.message);
  return step.statements;
}

async function columnsOf(
  session: SqlSession,
  database: string,
  table: string,
): Promise<TableColumn[]> {
  return parseColumnRows(await session.query(readColumnsSql(database, table)));
}

async function withRetries<T>(work: () => Promise<T>, options: ReplayOptions): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const failure = toDatabendError(error);
      if (!failure.transient || attempt >= maxAttempts) throw failure;
      await (options.sleep ?? sleep)(backoffMs(attempt, 200, 5_000));
    }
  }
}
