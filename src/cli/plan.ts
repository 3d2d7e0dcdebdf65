/**
 * `plan <s3-key...>`: the SQL that loading these files (of one table, as one batch) would run,
 * without running any of it: the schema DDL from the diff against the current tables, then the
 * batch transaction (COPY INTO raw, the Op check, MERGE INTO ODS, the ledger INSERT). Built with
 * the very functions BatchLoader uses. Reads S3 (HEAD and the footer) and Databend's catalog
 * and ledger; writes nothing.
 */
import { HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { loadedFileIds, loadedFilesSql } from '../control/ledger-sql.js';
import { tableStatesFromRows, tableStatesSql } from '../control/status-sql.js';
import type { Config } from '../config.js';
import type { SqlSession } from '../databend/session-pool.js';
import { isOutcome, inspectFile, type InspectedFile } from '../ingest/file-inspection.js';
import { byDmsOrder, pendingFileOf } from '../ingest/pending-file.js';
import { schemaTarget } from '../ingest/table-routes.js';
import { batchStatements, newBatchId } from '../merge/batch-statements.js';
import { earliestLoadTime } from '../files/ledger-window.js';
import { collisionMessage, findCollisions } from '../ingest/target-collisions.js';
import { fileId } from '../files/file-ref.js';
import { planBatchSchema } from '../schema/schema-plan.js';
import { parseColumnRows, readColumnsSql, tableLayout } from '../schema/table-ddl.js';
import {
  OperatorError,
  operatorAction,
  queryIfExists,
  withOperatorContext,
} from './operator-context.js';
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

export async function planFiles(config: Config, keys: readonly string[]): Promise<string[]> {
  const { bucket } = config.s3;
  return withOperatorContext(config, async ({ s3, pool }) => {
    const files: InspectedFile[] = [];
    const out: string[] = [];
    for (const raw of keys) {
      const key = objectKey(raw, bucket);
      const ref = { bucket, key, etag: '', size: 0, eventTime: new Date(0), eventName: 'plan' };
      const routed = pendingFileOf(config, ref);
      if (!routed.ok) {
        out.push(`-- ${key}: ignored, the key is outside the DMS layout: ${routed.reason}`);
        continue;
      }
      const head = await headObject(s3, bucket, key);
      const file = {
        ...routed.file,
        ref: { ...ref, etag: head.etag, size: head.size, eventTime: head.lastModified },
      };
      // The loader's own verdict on the file, from its footer.
      const inspected = await inspectFile(s3, file);
      if (isOutcome(inspected))
        throw new OperatorError(`${key}: it would be ${inspected.kind}: ${inspected.reason}`);
      files.push(inspected);
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
  const loadedIds = loadedFileIds(first.file.ref.bucket, loaded);
  for (const f of files.filter((x) => loadedIds.has(fileId(x.file.ref))))
    out.push(
      `-- note  ${f.file.ref.key} is already in the ledger: the ledger check below finds it, the transaction rolls back and a delivery of it is acknowledged`,
    );
  const state = tableStatesFromRows(
    await queryIfExists(session, tableStatesSql(databend.controlDatabase)),
  ).find((s) => s.table === table && s.paused);
  if (state !== undefined)
    out.push(
      `-- note  ${table} is paused (${state.reason ?? 'paused'}): nothing loads until \`resume --table ${table}\``,
    );

  const target = schemaTarget(config, route);
  const columnsOf = async (database: string) =>
    parseColumnRows(await session.query(readColumnsSql(database, table)));
  const ddl = planBatchSchema(
    target,
    tableLayout(dms),
    {
      raw: await columnsOf(target.rawDatabase),
      ods: withOds ? await columnsOf(target.odsDatabase) : [],
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
  const statements = batchStatements(
    config,
    newBatchId(),
    files,
    ddl.ods?.map((c) => c.name),
    {
      owner: writerName('plan'),
    },
  );
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
