// Property: whatever the reloads (with or without a capture gap, DO_NOTHING or DROP_AND_CREATE,
// after a source truncate), and however their files and the CDC files interleave on the way to
// the service (old-generation events held back, batches of any size and order), ODS converges to
// the source. DMS's side runs in real time (files put at their creation times, folders deleted at
// theirs) while the loader takes the announced files in random batches, as the table slot does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogTables,
  compareOds,
  deliverFiles,
  s3ClientFor,
  simulate,
  writeParquetFiles,
  type ReloadPlan,
  type TruncatePlan,
} from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { PipelineEvents } from '../../src/events.js';
import { fileId } from '../../src/files/file-ref.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import { BucketLister } from '../../src/ingest/bucket-lister.js';
import { pendingFileOf, type PendingFile } from '../../src/ingest/pending-file.js';
import { Reloads } from '../../src/ingest/reloads.js';
import { tableLayout } from '../../src/schema/table-ddl.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { tableSettings } from '../support/replicator.js';
import { loadStackEnv } from '../support/stack.js';

/** RELOAD_PROPERTY_RUNS raises the number of random cases for a longer run. */
const RUNS = Number(process.env.RELOAD_PROPERTY_RUNS ?? 3);

let fixture: LoaderFixture;
let run = 0;
/** Snapshots applied over all runs: the property is about them, so some must happen. */
let applied = 0;

beforeAll(async () => {
  fixture = await loaderFixture('rprop', {});
});

afterAll(() => fixture.close());

/** A small deterministic generator for the loader's choices (fast-check shrinks its seed). */
function chooser(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state % n;
  };
}

const reloadPlan = fc.record({
  atFraction: fc.double({ min: 0.3, max: 0.5, noNaN: true }),
  captureGapSeconds: fc.constantFrom(0, 1, 3),
  targetTablePrepMode: fc.constantFrom('DO_NOTHING' as const, 'DROP_AND_CREATE' as const),
});

describe('reloads and CDC files in any interleaving', () => {
  it('converge to the source', { timeout: 900_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          reloads: fc.array(reloadPlan, { minLength: 1, maxLength: 2 }),
          truncateFirst: fc.boolean(),
          loadRowsPerFile: fc.constantFrom(7, 50_000),
          heldBack: fc.constantFrom(0, 0.2, 0.5),
          batchSize: fc.integer({ min: 1, max: 5 }),
          orderSeed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          run += 1;
          const schema = `r${run}`;
          const tables = catalogTables(schema, 2);
          const reloads: ReloadPlan[] = p.reloads.map((r, i) => ({
            ...r,
            table: 'orders',
            atFraction: r.atFraction + i * 0.25,
          }));
          const truncates: TruncatePlan[] = p.truncateFirst
            ? [
                {
                  table: 'orders',
                  atFraction: Math.max(0.2, (reloads[0]?.atFraction ?? 0.5) - 0.2),
                },
              ]
            : [];
          const simulation = simulate(
            {
              seed: p.seed,
              tables,
              durationSeconds: 10,
              transactionsPerSecond: 6,
              initialRows: 15,
              reloads,
              truncates,
              startTime: new Date(Date.now() + 3_000).toISOString(),
            },
            { cdcMaxBatchInterval: 1, loadMaxRowsPerFile: p.loadRowsPerFile },
          );
          const written = await writeParquetFiles(simulation.files, simulation.settings, {
            outDir: mkdtempSync(join(tmpdir(), 'rprop-')),
          });
          const config: Config = {
            ...fixture.target.config,
            tables: {
              ...fixture.target.config.tables,
              byName: tableSettings(tables) as Config['tables']['byName'],
              naming: 'schema_table',
            },
          };
          const events = new PipelineEvents();
          events.on('reload:applied', () => applied++);
          const loader = new BatchLoader({
            config,
            pool: fixture.pool,
            s3: fixture.s3,
            schemas: new TableSchemas(tableLayout(config.dms)),
            events,
            logger: pino({ level: 'silent' }),
            sleep: () => Promise.resolve(),
          });
          const snapshots = new Reloads({
            config,
            pool: fixture.pool,
            lister: new BucketLister(fixture.s3, fixture.target.pipe.bucket),
            events,
            logger: pino({ level: 'silent' }),
          });
          const choose = chooser(p.orderSeed);
          const pending: PendingFile[] = [];
          const late: PendingFile[] = [];
          const removed: { key: string; eventTime: Date }[] = [];
          const stack = loadStackEnv();
          let delivering = true;
          const delivery = deliverFiles(written, {
            client: s3ClientFor({ ...stack, bucket: fixture.target.pipe.bucket }),
            bucket: fixture.target.pipe.bucket,
            realTime: true,
            removals: simulation.removals,
            onPut: (put) => {
              const routed = pendingFileOf(config, {
                bucket: fixture.target.pipe.bucket,
                key: put.key,
                etag: put.eTag,
                size: put.bytes,
                eventTime: new Date(),
                eventName: 'ObjectCreated:Put',
              });
              if (!routed.ok) throw new Error(routed.reason);
              (choose(100) < p.heldBack * 100 ? late : pending).push(routed.file);
            },
            onRemove: (key) => removed.push({ key, eventTime: new Date() }),
          }).finally(() => {
            delivering = false;
          });

          /** One batch of one table's announced files, then the table slot's reload check. */
          const loadSome = async (from: PendingFile[]): Promise<void> => {
            if (removed.length > 0) await snapshots.noteRemovals(removed.splice(0));
            const first = from[choose(from.length)];
            if (first === undefined) return;
            const same = from.filter((f) => f.route.target === first.route.target);
            const batch = same.slice(0, p.batchSize);
            for (const f of batch) from.splice(from.indexOf(f), 1);
            const outcomes = await loader.load(batch);
            expect(
              batch.filter((f) =>
                ['retry', 'poison'].includes(outcomes.get(fileId(f.ref))?.kind ?? ''),
              ),
            ).toEqual([]);
            await snapshots.afterBatch(first.route.target, batch, outcomes);
          };
          while (delivering || pending.length > 0) {
            if (pending.length === 0) await new Promise((r) => setTimeout(r, 200));
            else await loadSome(pending);
          }
          await delivery;
          // The old events held back arrive last, in any order.
          pending.push(...late.splice(0));
          while (pending.length > 0 || removed.length > 0) await loadSome(pending);

          const result = await compareOds(fixture.conn, simulation.truth, {
            database: config.databend.odsDatabase,
            tableName: (t) => `${schema}_${t.name}`,
          });
          expect(result.report).toBe('all 2 tables equal');
        },
      ),
      {
        numRuns: RUNS,
        seed: Number(process.env.RELOAD_PROPERTY_SEED ?? 20261207),
        endOnFailure: true,
      },
    );
    expect(applied).toBeGreaterThan(0);
  });
});
