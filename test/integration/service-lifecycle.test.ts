// The running service's metrics agree with what it loaded, and SIGTERM during a batch loses and
// duplicates nothing.
import { describe, expect, it } from 'vitest';
import { catalogTables } from '../../sim/index.js';
import { freePort } from '../../stack/processes.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../support/replicator.js';
import { useTestTargets } from '../support/targets.js';

const targets = useTestTargets();

function metric(body: string, name: string): number {
  return body
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function scenario(name: string, logLevel = 'warn') {
  const tables = catalogTables('shop', 2);
  const { config, pipe } = await targets.target(name, tableSettings(tables), {
    logLevel,
    maxReceiveCount: 50,
  });
  const port = await freePort();
  const withHttp = { ...config, http: { host: '127.0.0.1', port } };
  const source = await simulatedSource(
    pipe.bucket,
    { seed: 31, tables, durationSeconds: 20, transactionsPerSecond: 8, initialRows: 30 },
    { cdcMaxBatchInterval: 2 },
  );
  return { config: withHttp, source, port };
}

async function scalar(sql: string): Promise<number> {
  return Number((await targets.conn.queryRow(sql))?.values()[0]);
}

describe('the running service', () => {
  it('reports in /metrics exactly the files and rows it loaded', { timeout: 300_000 }, async () => {
    const { config, source, port } = await scenario('metrics');
    const replicator = new Replicator(config);
    replicator.start();
    try {
      await source.deliver();
      const result = await waitForConvergence(targets.conn, source.simulation, config);
      expect(result.report).toBe('all 2 tables equal');
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const control = `\`${config.databend.controlDatabase}\`.files`;
      expect(metric(body, 'bend_replicator_files_loaded_total')).toBe(
        await scalar(`SELECT count(*) FROM ${control}`),
      );
      expect(metric(body, 'bend_replicator_rows_loaded_total')).toBe(
        await scalar(`SELECT sum(row_count) FROM ${control}`),
      );
      expect(metric(body, 'bend_replicator_message_outcomes_total')).toBeGreaterThanOrEqual(
        source.simulation.files.length,
      );
    } finally {
      await replicator.stop();
    }
  });

  it(
    'finishes or returns a batch on SIGTERM, exits 0, and a restart converges with no duplicate',
    { timeout: 300_000 },
    async () => {
      const { config, source } = await scenario('sigterm', 'debug');
      let replicator = new Replicator(config);
      replicator.start();
      const delivery = source.deliver({ intervalMs: 200 });
      await replicator.waitForLog(/"batch started"/, 60_000);
      expect(await replicator.stop('SIGTERM')).toBe(0);
      await delivery;
      replicator = new Replicator(config);
      replicator.start();
      try {
        const result = await waitForConvergence(targets.conn, source.simulation, config);
        expect(result.report).toBe('all 2 tables equal');
        const control = `\`${config.databend.controlDatabase}\`.files`;
        expect(
          await scalar(
            `SELECT count(*) - count(DISTINCT bucket, object_key, etag) FROM ${control}`,
          ),
        ).toBe(0);
        for (const table of source.simulation.tables) {
          const raw = `\`${config.databend.rawDatabase}\`.\`${table.name}\``;
          expect(await scalar(`SELECT count(*) - count(DISTINCT _file, _row) FROM ${raw}`)).toBe(0);
        }
      } finally {
        await replicator.stop();
      }
    },
  );
});
