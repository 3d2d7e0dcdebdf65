// The floor: what Databend itself does with the service's own statements when nothing else is in
// the way. A minimal script builds each batch's COPY and MERGE with the service's SQL builders
// (batchStatements, so it is the same SQL, byte for byte) and issues them back to back: no SQS,
// no footer reads on the clock, no transaction, no Op summary, no ledger. Tables run in parallel
// up to the service's table concurrency, each table's files in DMS order in batches of maxFiles.
import type { Config } from '../../src/config.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { batchStatements, newBatchId, type ReadyFile } from '../../src/merge/batch-statements.js';
import { parseKey } from '../../src/files/key-layout.js';
import { byDmsOrder, pendingFile, type PendingFile } from '../../src/ingest/pending-file.js';
import { routeTable } from '../../src/ingest/table-routes.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { readParquetSchema } from '../../src/schema/parquet-footer.js';
import { fileRangeReader } from '../../src/schema/range-reader.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { mapParquetColumns } from '../../src/schema/type-map.js';
import type { BenchFile } from '../workload/write-files.js';

export interface FloorBatch {
  readonly table: string;
  readonly files: number;
  readonly copyMs: number;
  readonly mergeMs: number;
}

export interface FloorRun {
  readonly elapsedMs: number;
  readonly batches: readonly FloorBatch[];
}

/** The tables' files, footers read and mapped, in DMS order; their tables created. */
export interface PreparedTables {
  readonly byTable: ReadonlyMap<string, readonly ReadyFile<PendingFile>[]>;
  readonly odsColumns: ReadonlyMap<string, readonly string[] | undefined>;
}

/**
 * What the service does once per table before its first batch, done off the clock for every
 * measured variant alike: the control tables and stage, each file's footer, and the raw and ODS
 * tables (through the service's own schema code).
 */
export async function prepareTables(
  config: Config,
  files: readonly BenchFile[],
): Promise<PreparedTables> {
  const pool = new SessionPool(config.databend.dsn);
  try {
    await prepareDatabend(pool, config);
    const schemas = new TableSchemas({
      opColumn: config.dms.opColumn,
      ...(config.dms.timestampColumn === null
        ? {}
        : { timestampColumn: config.dms.timestampColumn }),
    });
    const byTable = new Map<string, ReadyFile<PendingFile>[]>();
    const odsColumns = new Map<string, string[] | undefined>();
    for (const file of files) {
      const ready = await readyFile(config, file);
      const list = byTable.get(ready.file.route.target) ?? [];
      list.push(ready);
      byTable.set(ready.file.route.target, list);
    }
    for (const [table, ready] of byTable) {
      const first = ready[0] as ReadyFile<PendingFile>;
      const ensured = await pool.with((session) =>
        schemas.ensure(
          session,
          {
            rawDatabase: config.databend.rawDatabase,
            odsDatabase: config.databend.odsDatabase,
            table,
            withOds: first.file.route.primaryKey !== undefined,
          },
          [first.columns],
        ),
      );
      if (!ensured.ok) throw new Error(`${table}: ${ensured.message}`);
      odsColumns.set(
        table,
        ensured.ods?.map((c) => c.name),
      );
      ready.sort((a, b) => byDmsOrder(a.file, b.file));
    }
    return { byTable, odsColumns };
  } finally {
    await pool.close();
  }
}

/**
 * `batchSizes` (table → files per batch, in order) replays another run's batching; by default
 * every table's files go in batches of maxFiles.
 */
export async function runFloor(
  config: Config,
  files: readonly BenchFile[],
  batchSizes?: ReadonlyMap<string, readonly number[]>,
): Promise<FloorRun> {
  const { byTable, odsColumns } = await prepareTables(config, files);
  const pool = new SessionPool(config.databend.dsn);
  try {
    const batches: FloorBatch[] = [];
    const queue = [...byTable.keys()];
    const started = performance.now();
    const worker = async (): Promise<void> => {
      for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
        const ready = byTable.get(table) ?? [];
        const sizes = batchSizes?.get(table) ?? [];
        for (let i = 0, n = 0; i < ready.length; n++) {
          const size = sizes[n] ?? config.batching.maxFiles;
          const chunk = ready.slice(i, i + size);
          i += size;
          const statements = batchStatements(config, newBatchId(), chunk, odsColumns.get(table), {
            owner: 'bench',
          });
          await pool.with(async (session) => {
            const t0 = performance.now();
            for (const copy of statements.copies) await session.query(copy);
            const t1 = performance.now();
            if (statements.merge !== undefined) await session.exec(statements.merge);
            batches.push({
              table,
              files: chunk.length,
              copyMs: t1 - t0,
              mergeMs: performance.now() - t1,
            });
          });
        }
      }
    };
    await Promise.all(Array.from({ length: config.batching.tableConcurrency }, worker));
    return { elapsedMs: performance.now() - started, batches };
  } finally {
    await pool.close();
  }
}

async function readyFile(config: Config, file: BenchFile): Promise<ReadyFile<PendingFile>> {
  const layout = parseKey(file.key, { bucketFolder: config.s3.bucketFolder });
  if (!layout.ok) throw new Error(`floor: ${file.key}: ${layout.reason}`);
  const route = routeTable(config.tables, layout.file.schema, layout.file.table);
  const pending: PendingFile = pendingFile(
    {
      bucket: config.s3.bucket,
      key: file.key,
      etag: 'floor',
      size: file.bytes,
      eventTime: new Date(),
      eventName: 'ObjectCreated:Put',
    },
    layout.file,
    route,
  );
  const schema = await readParquetSchema(fileRangeReader(file.path), file.bytes);
  const mapped = mapParquetColumns(schema.columns, route.columnTypes);
  return {
    file: pending,
    columns: { key: file.key, columns: mapped.columns, unsupported: mapped.unsupported },
  };
}
