// Property: whatever the workload, the file cuts, the duplicates, the delivery order and the
// batch sizes, loading every file makes ODS equal the source and raw hold each change once.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import fc from 'fast-check';
import { pino } from 'pino';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogTables, compareOds, simulate, writeParquetFiles } from '../../sim/index.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import { parseKey } from '../../src/files/key-layout.js';
import { pendingFile, type PendingFile } from '../../src/ingest/pending-file.js';
import { routeTable } from '../../src/ingest/table-routes.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { testTarget, type TestTarget } from '../support/pipeline.js';
import { tableSettings } from '../support/replicator.js';
import { connect, s3 } from '../support/stack.js';

/** PROPERTY_RUNS raises the number of random cases for a longer run. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 4);

let target: TestTarget;
let pool: SessionPool;
let client: S3Client;
let conn: Connection;
let run = 0;

beforeAll(async () => {
  target = await testTarget('prop', {}, { batching: { maxAttempts: 8 } });
  pool = new SessionPool(target.config.databend.dsn);
  client = s3();
  conn = await connect();
  await prepareDatabend(pool, target.config);
});

afterAll(async () => {
  const { databend } = target.config;
  for (const db of [databend.rawDatabase, databend.odsDatabase, databend.controlDatabase]) {
    await conn.exec(`DROP DATABASE IF EXISTS \`${db}\``);
  }
  await conn.close();
  await pool.close();
  client.destroy();
});

/** Deterministic shuffle from a seed (fast-check shrinks the seed, not the permutation). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('convergence', () => {
  it(
    'holds for random workloads, file cuts, duplicates, orders and batch sizes',
    { timeout: 900_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            seed: fc.integer({ min: 1, max: 1_000_000 }),
            cutSeconds: fc.constantFrom(1, 3, 10),
            changeSeq: fc.boolean(),
            duplicates: fc.integer({ min: 0, max: 5 }),
            orderSeed: fc.integer({ min: 1, max: 1_000_000 }),
            batchSize: fc.integer({ min: 1, max: 6 }),
          }),
          async (p) => {
            run += 1;
            const schema = `p${run}`;
            const tables = catalogTables(schema, 2);
            const simulation = simulate(
              {
                seed: p.seed,
                tables,
                durationSeconds: 12,
                transactionsPerSecond: 6,
                initialRows: 15,
              },
              {
                cdcMaxBatchInterval: p.cutSeconds,
                changeSeqColumn: p.changeSeq ? 'AR_H_CHANGE_SEQ' : null,
              },
            );
            const written = await writeParquetFiles(simulation.files, simulation.settings, {
              outDir: mkdtempSync(join(tmpdir(), 'prop-')),
            });
            const config = {
              ...target.config,
              tables: {
                ...target.config.tables,
                byName: tableSettings(tables) as typeof target.config.tables.byName,
                naming: 'schema_table' as const,
              },
            };
            // Files in creation order (a reload rewrites a key: its versions keep their order).
            const files: PendingFile[] = [];
            for (const w of written) {
              const body = readFileSync(w.path);
              const answer = await client.send(
                new PutObjectCommand({ Bucket: target.pipe.bucket, Key: w.file.key, Body: body }),
              );
              const parsed = parseKey(w.file.key, { bucketFolder: '' });
              if (!parsed.ok) throw new Error(parsed.reason);
              const ref = {
                bucket: target.pipe.bucket,
                key: w.file.key,
                etag: (answer.ETag ?? '').replace(/"/g, ''),
                size: body.length,
                eventTime: new Date(),
                eventName: 'ObjectCreated:Put',
              };
              files.push(
                pendingFile(
                  ref,
                  parsed.file,
                  routeTable(config.tables, parsed.file.schema, parsed.file.table),
                ),
              );
            }
            const deliveries = shuffled([...files, ...files.slice(0, p.duplicates)], p.orderSeed);
            const loader = new BatchLoader({
              config,
              pool,
              s3: client,
              schemas: new TableSchemas({
                opColumn: 'Op',
                timestampColumn: '_dms_ingestion_timestamp',
              }),
              events: new PipelineEvents(),
              logger: pino({ level: 'silent' }),
            });
            for (let i = 0; i < deliveries.length; i += p.batchSize) {
              const chunk = deliveries.slice(i, i + p.batchSize);
              for (const table of new Set(chunk.map((f) => f.route.target))) {
                const outcomes = await loader.load(chunk.filter((f) => f.route.target === table));
                expect([...outcomes.values()].filter((o) => o.kind !== 'done')).toEqual([]);
              }
            }
            const result = await compareOds(conn, simulation.truth, {
              database: config.databend.odsDatabase,
              tableName: (t) => `${schema}_${t.name}`,
            });
            expect(result.report).toBe('all 2 tables equal');
            for (const table of tables) {
              const raw = await conn.queryRow(
                `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM \`${config.databend.rawDatabase}\`.\`${schema}_${table.name}\``,
              );
              expect(raw?.values()[0]).toBe('0');
            }
          },
        ),
        { numRuns: RUNS, seed: Number(process.env.PROPERTY_SEED ?? 20261128), endOnFailure: true },
      );
    },
  );
});
