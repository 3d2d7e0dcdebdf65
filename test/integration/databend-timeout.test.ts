// Every Databend statement has a timeout: through a relay that swallows bytes (a half-open
// connection, a hung server) a statement fails as a transient error after statementTimeoutMs
// instead of waiting for ever, and the next attempt, on a new session, succeeds once the
// network heals.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DatabendError } from '../../src/databend/error-codes.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { proxyFor, type FaultProxy } from '../chaos/fault-proxy.js';
import { loadStackEnv } from '../support/stack.js';

let proxy: FaultProxy;
let pool: SessionPool;

beforeAll(async () => {
  const stack = loadStackEnv();
  const through = await proxyFor('databend', stack.dsn, {
    seed: 7,
    rates: { stall: 1, stallMs: 600_000 },
  });
  proxy = through.proxy;
  pool = new SessionPool(through.url, {
    statementTimeoutMs: 2_000,
  });
});

afterAll(async () => {
  await pool.close();
  await proxy.close();
});

it('fails a statement that gets no answer as transient, and runs it again once answers come', async () => {
  const started = Date.now();
  const failure = await pool.with((s) => s.query('SELECT 1 AS one')).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(DatabendError);
  expect((failure as DatabendError).transient).toBe(true);
  expect((failure as Error).message).toMatch(/did not answer within 2000 ms/);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(proxy.counts.stalled).toBeGreaterThanOrEqual(1);

  proxy.setRates({ stall: 0 });
  const rows = await pool.with((s) => s.query('SELECT 1 AS one'));
  expect(rows).toEqual([{ one: 1 }]);
}, 60_000);
