/**
 * `plan <s3-key...>`: the SQL that loading these files (of one table, as one batch) would run,
 * without running any of it: the schema DDL from the diff against the current tables, then the
 * batch transaction (COPY INTO raw, the Op check, MERGE INTO ODS, the ledger INSERT). Built with
 * the very functions BatchLoader uses. Reads S3 (HEAD and the footer) and Databend's catalog
 * and ledger; writes nothing.
 */
import { HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import type { Config } from '../config.js';
import type { SqlSession } from '../databend/session-pool.js';
import { batchStatements, newBatchId } from '../merge/batch-statements.js';
import { parseKey } from '../ingest/key-layout.js';
import { earliestLoadTime } from '../ingest/ledger-window.js';
import { byDmsOrder, pendingFile, type PendingFile } from '../ingest/pending-file.js';
import { routeTable } from '../ingest/table-routes.js';
import { collisionMessage, findCollisions } from '../ingest/target-collisions.js';
import { loadedFilesSql } from '../control/ledger-sql.js';
import { tableStatesSql } from '../control/status-sql.js';
import { readParquetSchema } from '../schema/parquet-footer.js';
import { s3RangeReader } from '../schema/range-reader.js';
import { parseColumnRows, readColumnsSql } from '../schema/table-ddl.js';
import type { FileColumns } from '../schema/table-schemas.js';
import { mapParquetColumns } from '../schema/type-map.js';
import {
  OperatorError,
  operatorAction,
  queryIfExists,
  withOperatorContext,
} from './operator-context.js';
import { planSchemaDdl } from './plan-ddl.js';
import { createClaimTableSql } from '../control/claim-sql.js';
import { writerName } from '../control/writer-name.js';

export function planCommand(config: () => Config): Command {
  return new Command('plan')
    .description('print the SQL loading these files would run (a dry run: nothing is executed)')
    .argument('<s3-key...>', 'object keys (or s3://bucket/key) of one table, loaded as one batch')
    .action(
      operatorAction('plan', async (keys: string[]) => {
        const lines = await planFiles(config(), keys);
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}

interface InspectedFile {
  readonly file: PendingFile;
  readonly columns: FileColumns;
  readonly rowCount: number;
}

export async function planFiles(config: Config, keys: readonly string[]): Promise<string[]> {
  const { bucket } = config.s3;
  return withOperatorContext(config, async ({ s3, pool }) => {
    const files: InspectedFile[] = [];
    const out: string[] = [];
    for (const raw of keys) {
      const key = objectKey(raw, bucket);
      const layout = parseKey(key, { bucketFolder: config.s3.bucketFolder });
      if (!layout.ok) {
        out.push(`-- ${key}: ignored, the key is outside the DMS layout: ${layout.reason}`);
        continue;
      }
      const route = routeTable(config.tables, layout.file.schema, layout.file.table);
      const head = await headObject(s3, bucket, key);
      const ref = {
        bucket,
        key,
        etag: head.etag,
        size: head.size,
        eventTime: head.lastModified,
        eventName: 'plan',
      };
      const file = pendingFile(ref, layout.file, route);
      const schema = await readParquetSchema(s3RangeReader(s3, bucket, key, ref.etag), ref.size);
      const mapped = mapParquetColumns(schema.columns, route.columnTypes);
      const missingKey = (route.primaryKey ?? []).filter(
        (k) => !mapped.columns.some((c) => c.name === k),
      );
      if (missingKey.length > 0)
        throw new OperatorError(
          `${key} lacks primary-key column(s) ${missingKey.join(', ')}: it would be poison`,
        );
      files.push({
        file,
        columns: { key, columns: mapped.columns, unsupported: mapped.unsupported },
        rowCount: schema.rowCount,
      });
    }
    if (files.length === 0) return out;
    const [collision] = findCollisions(
      config.tables,
      files.map((f) => f.file.key),
    );
    if (collision !== undefined) {
      const [owner = '', source = ''] = collision.sources;
      throw new OperatorError(collisionMessage(config.tables, collision.target, owner, source));
    }
    const tables = new Set(files.map((f) => f.file.route.target));
    if (tables.size > 1)
      throw new OperatorError(
        `the files feed ${tables.size} tables (${[...tables].join(', ')}); plan one table at a time`,
      );
    files.sort((a, b) => byDmsOrder(a.file, b.file));
    return pool.with(async (session) => [...out, ...(await planBatch(session, config, files))]);
  });
}

async function planBatch(
  session: SqlSession,
  config: Config,
  files: readonly InspectedFile[],
): Promise<string[]> {
  const { databend, dms } = config;
  const first = files[0];
  if (first === undefined) return [];
  const route = first.file.route;
  const table = route.target;
  const withOds = route.primaryKey !== undefined;
  const out: string[] = [];

  for (const f of files)
    out.push(
      `-- file  s3://${f.file.ref.bucket}/${f.file.ref.key}  (ETag ${f.file.ref.etag}, ${f.file.ref.size} bytes, ${f.rowCount} row(s), ${f.file.key.kind === 'load' ? 'full load' : 'CDC'})`,
    );
  out.push(
    `-- table ${route.source} -> ${databend.rawDatabase}.${table}` +
      (withOds
        ? ` and ${databend.odsDatabase}.${table} (primary key ${route.primaryKey?.join(', ') ?? ''})`
        : ' only (no primary key configured: no ODS)'),
  );
  const loaded = await queryIfExists(
    session,
    loadedFilesSql(
      databend.controlDatabase,
      first.file.ref.bucket,
      files.map((f) => f.file.ref.key),
      earliestLoadTime(files.map((f) => f.file.key)),
    ),
  );
  for (const row of loaded) {
    const f = files.find((x) => x.file.ref.key === row.object_key && x.file.ref.etag === row.etag);
    if (f !== undefined)
      out.push(
        `-- note  ${f.file.ref.key} is already in the ledger: a delivery of it is acknowledged without running anything below`,
      );
  }
  const state = (await queryIfExists(session, tableStatesSql(databend.controlDatabase))).find(
    (r) => r.table_name === table && r.paused === true,
  );
  if (state !== undefined)
    out.push(
      `-- note  ${table} is paused (${String(state.reason)}): nothing loads until \`resume --table ${table}\``,
    );

  const columnsOf = async (database: string) =>
    parseColumnRows(await session.query(readColumnsSql(database, table)));
  const ddl = planSchemaDdl(
    { rawDatabase: databend.rawDatabase, odsDatabase: databend.odsDatabase, table, withOds },
    {
      opColumn: dms.opColumn,
      ...(dms.timestampColumn === null ? {} : { timestampColumn: dms.timestampColumn }),
    },
    {
      raw: await columnsOf(databend.rawDatabase),
      ods: withOds ? await columnsOf(databend.odsDatabase) : [],
    },
    files.map((f) => f.columns),
  );
  if (!ddl.ok) {
    out.push(
      `-- the schema cannot follow ${ddl.file}; the table would pause:`,
      `-- ${ddl.message}`,
    );
    return out;
  }
  out.push(
    '',
    '-- 1. schema, before and outside the transaction (DDL commits an open transaction)',
  );
  out.push(
    ...(ddl.statements.length === 0
      ? ['-- (none: the tables already fit the files)']
      : ddl.statements.map((s) => `${s};`)),
  );

  out.push(
    "-- the table's claim row, which every writer of it updates inside its transaction",
    ...createClaimTableSql(databend.controlDatabase, table).map((s) => `${s};`),
  );
  const statements = batchStatements(config, newBatchId(), files, ddl.odsColumns, {
    owner: writerName('plan'),
  });
  out.push('', '-- 2. the batch transaction', 'BEGIN;');
  out.push(
    '-- the fencing step: claim the table (any other writer of it now conflicts), then check the ledger',
    `${statements.fence.claim};`,
    `${statements.fence.ledger};`,
  );
  out.push(...statements.copies.map((s) => `${s};`));
  out.push(
    '-- rows per file and Op; an Op other than I, U or D rolls the batch back',
    `${statements.summary};`,
  );
  out.push(
    statements.merge === undefined ? '-- (no MERGE: the table has no ODS)' : `${statements.merge};`,
  );
  out.push(
    `${statements.ledger(new Map(files.map((f) => [f.file.ref.key, f.rowCount])))};`,
    'COMMIT;',
  );
  return out;
}

/** Accepts `key` or `s3://<bucket>/key` (of the configured bucket). */
function objectKey(text: string, bucket: string): string {
  if (!text.startsWith('s3://')) return text;
  const prefix = `s3://${bucket}/`;
  if (!text.startsWith(prefix))
    throw new OperatorError(`${text} is not in the configured bucket ${bucket}`);
  return text.slice(prefix.length);
}

async function headObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ etag: string; size: number; lastModified: Date }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      etag: (head.ETag ?? '').replace(/^"(.*)"$/, '$1'),
      size: head.ContentLength ?? 0,
      lastModified: head.LastModified ?? new Date(),
    };
  } catch (error) {
    if (error instanceof NotFound) throw new OperatorError(`s3://${bucket}/${key} does not exist`);
    throw error;
  }
}
