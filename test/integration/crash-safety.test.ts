// SIGKILL at random moments while batches load, restarted each time: nothing lost, nothing twice.
import type { Connection } from 'databend-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogTables } from '../../sim/index.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../support/replicator.js';
import { testTarget } from '../support/pipeline.js';
import { connect } from '../support/stack.js';

/** How many times the service is killed; CRASH_KILLS raises it for a longer run. */
const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const databases: string[] = [];
let conn: Connection | undefined;

afterAll(async () => {
  for (const db of databases) await conn?.exec(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn?.close();
});

/** A deterministic sequence of pauses, so a failing run can be repeated. */
function* pauses(seed: number): Generator<number, never> {
  let state = seed;
  for (;;) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    yield state % 900;
  }
}

describe('crash safety', () => {
  it(
    `converges after ${KILLS} SIGKILLs during batches, with no duplicate in raw or the ledger`,
    { timeout: 600_000 },
    async () => {
      conn = await connect();
      const tables = catalogTables('shop', 3);
      const { config, pipe } = await testTarget('crash', tableSettings(tables), {
        sqs: { visibilityTimeoutSeconds: 10, visibilityHeartbeatSeconds: 3 },
        batching: { maxFiles: 5 },
        logLevel: 'debug',
        // Every kill returns its in-flight messages; the DLQ is not what this test is about.
        maxReceiveCount: 100,
      });
      databases.push(
        config.databend.rawDatabase,
        config.databend.odsDatabase,
        config.databend.controlDatabase,
      );
      const source = await simulatedSource(
        pipe.bucket,
        {
          seed: 21,
          tables,
          durationSeconds: 80,
          transactionsPerSecond: 10,
          initialRows: 60,
        },
        { cdcMaxBatchInterval: 1 },
      );
      let replicator = new Replicator(config);
      replicator.start();
      const delivery = source.deliver({
        seed: 9,
        intervalMs: 250,
        duplicateProbability: 0.2,
        reorderWindow: 4,
      });
      const wait = pauses(7);
      let killedMidBatch = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        // Kill once a batch has begun, at a random moment of its transaction or soon after.
        await replicator.waitForLog(/"batch started"/, 60_000);
        await new Promise((r) => setTimeout(r, wait.next().value));
        if (!replicator.log.some((line) => line.includes('"batch committed"'))) killedMidBatch++;
        await replicator.stop('SIGKILL');
        replicator = new Replicator(config);
        replicator.start();
      }
      await delivery;
      // Kills before the life's first COMMIT cut a batch short: a fair share must, or the test proves little.
      expect(killedMidBatch).toBeGreaterThanOrEqual(KILLS / 4);
      try {
        const result = await waitForConvergence(conn, source.simulation, config, 180_000);
        expect(result.report).toBe('all 3 tables equal');
        const ledger = await conn.queryRow(
          `SELECT (count(*) - count(DISTINCT bucket, object_key, etag))::STRING, count(*)::STRING FROM \`${config.databend.controlDatabase}\`.files`,
        );
        expect(ledger?.values()[0]).toBe('0');
        for (const table of tables) {
          const raw = await conn.queryRow(
            `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM \`${config.databend.rawDatabase}\`.\`${table.name}\``,
          );
          expect(raw?.values()[0]).toBe('0');
        }
      } finally {
        await replicator.stop();
      }
    },
  );
});
