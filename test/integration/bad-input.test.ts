// The bad-input catalogue (docs/bad-input.md): every kind of bad message, object, file, name and
// configuration, each with its outcome, one log line and a counter, fed to one running service
// while a simulated DMS source keeps two other tables busy; they must still converge.
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogTables } from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { quoteIdent } from '../../src/databend/quote.js';
import { proxyFor, type FaultProxy } from '../chaos/fault-proxy.js';
import { ServiceProcess } from '../chaos/service-process.js';
import type { BadInputCase } from '../support/bad-input/case.js';
import { CATALOGUE } from '../support/bad-input/catalogue.js';
import { configCases } from '../support/bad-input/cases-config.js';
import { WEIRD } from '../support/bad-input/cases-names.js';
import { World, type Observation } from '../support/bad-input/world.js';
import { testTarget } from '../support/pipeline.js';
import { simulatedSource, tableSettings, waitForConvergence } from '../support/replicator.js';
import { connect, loadStackEnv, s3, sqs } from '../support/stack.js';

const background = catalogTables('shop', 2);
let conn: Connection;
let world: World;
let service: ServiceProcess;
let proxy: FaultProxy;
let config: Config;

beforeAll(async () => {
  const stack = loadStackEnv();
  conn = await connect(stack);
  const through = await proxyFor('databend', stack.dsn, { seed: 1 });
  proxy = through.proxy;
  const target = await testTarget(
    'badinput',
    {
      ...tableSettings(background),
      'bad.*': { primaryKey: ['id'] },
      'live.*': { primaryKey: ['id'] },
      'twin1.*': { primaryKey: ['id'] },
      'twin2.*': { primaryKey: ['id'] },
      [`${WEIRD.schema}.${WEIRD.table}`]: { primaryKey: ['id'] },
    },
    { logLevel: 'info', maxReceiveCount: 5, batching: { maxAttempts: 3 } },
  );
  // Databend through a proxy, so one case can take it away.
  config = {
    ...target.config,
    databend: {
      ...target.config.databend,
      dsn: `${through.url}&retry_count=1&retry_delay_secs=1`,
    },
  };
  service = new ServiceProcess({
    config,
    env: { AWS_ACCESS_KEY_ID: stack.accessKeyId, AWS_SECRET_ACCESS_KEY: stack.secretAccessKey },
  });
  world = new World({
    config,
    pipe: target.pipe,
    service,
    s3: s3(stack),
    sqs: sqs(stack),
    conn,
    databendProxy: proxy,
  });
  // S3 itself announces only shop/ and live/; the cases announce everything else themselves.
  await world.notifyOnly(['shop/', 'live/']);
  service.start();
  const deadline = Date.now() + 60_000;
  while (!service.lines.some((l) => l.includes('"bend-replicator is running"'))) {
    if (Date.now() > deadline)
      throw new Error(`the service did not start: ${service.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  await service?.stop('SIGTERM');
  await proxy?.close();
  world?.parts.s3.destroy();
  world?.parts.sqs.destroy();
  for (const db of [
    config?.databend.rawDatabase,
    config?.databend.odsDatabase,
    config?.databend.controlDatabase,
  ])
    if (db !== undefined) await conn?.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  await conn?.close();
});

interface Row {
  readonly kind: string;
  readonly name: string;
  readonly outcome: string;
  readonly logged: boolean;
  readonly counted: boolean;
  readonly problems: readonly string[];
}

const expectedRow = (c: BadInputCase): Row => ({
  kind: c.kind,
  name: c.name,
  outcome: c.expected,
  logged: true,
  counted: true,
  problems: [],
});

const observedRow = (c: BadInputCase, o: Observation): Row => ({
  kind: c.kind,
  name: c.name,
  outcome: o.outcome,
  logged: o.line !== '',
  counted: o.counted,
  problems: o.problems,
});

describe('the bad-input catalogue', () => {
  it(
    `gives each of ${CATALOGUE.length} kinds of bad input its outcome, a log line and a counter, while the service keeps loading other tables`,
    { timeout: 900_000 },
    async () => {
      const source = await simulatedSource(world.bucket, {
        seed: 41,
        tables: background,
        durationSeconds: 30,
        transactionsPerSecond: 4,
        initialRows: 20,
      });
      const delivery = source.deliver({ intervalMs: 400 });

      const observed = new Map<BadInputCase, Observation>();
      const running = CATALOGUE.filter((c) => c.kind !== 'configuration');
      // Configurations start processes of their own: one after another, beside the running service.
      const configs = (async () => {
        for (const c of configCases) observed.set(c, await c.run(world));
      })();
      for (const c of running) observed.set(c, await c.run(world));
      await configs;
      await delivery;

      const rows = CATALOGUE.map((c) => {
        const o = observed.get(c);
        return o === undefined ? { ...expectedRow(c), outcome: 'not run' } : observedRow(c, o);
      });
      console.log(
        CATALOGUE.map((c) => `${c.kind} | ${c.name} | ${observed.get(c)?.line ?? ''}`).join('\n'),
      );
      expect(rows).toEqual(CATALOGUE.map(expectedRow));

      // Every poison message ends in the dead-letter queue (SQS redrive), nothing else does.
      const poisoned = CATALOGUE.filter((c) => c.expected === 'poison').length;
      expect(await world.waitForDeadLetters(poisoned, 180_000)).toBe(poisoned);

      // One process throughout, and the simulated tables converged beside the bad input.
      expect(service.unexpectedExits).toEqual([]);
      const result = await waitForConvergence(conn, source.simulation, config, 120_000);
      expect(result.report).toBe('all 2 tables equal');
    },
  );
});
