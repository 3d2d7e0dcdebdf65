// The scheduled jobs (retention, reconcile) run on the replica holding the lease only: two
// replicas elect through the real lease table, the holder's schedules run and the standby's do
// not; when the standby takes over, its schedules start and the former holder's stop.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createLeasesTableSql } from '../../src/control/lease-sql.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { holderDuties } from '../../src/lifecycle/holder-duties.js';
import { ReplicaLease } from '../../src/lifecycle/replica-lease.js';
import { RetentionCron } from '../../src/lifecycle/retention-cron.js';
import { ReconcileCron } from '../../src/reconcile/reconcile-cron.js';
import { ReconcileMetrics } from '../../src/reconcile/reconcile-metrics.js';
import { minimalConfig } from '../support/config-tree.js';
import { connect, loadStackEnv, uniqueName } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';

const control = uniqueName('dutiesctl');
const stack = loadStackEnv();
const pools: SessionPool[] = [];
const leases: ReplicaLease[] = [];

afterAll(async () => {
  for (const lease of leases) await lease.stop();
  for (const pool of pools) await pool.close();
  const conn = await connect();
  await conn.exec(`DROP DATABASE IF EXISTS ${control}`);
  await conn.close();
});

/** Schedules that never fire during the test (03:00 and 04:00): only their state is looked at. */
const config = minimalConfig({
  databend: { dsn: stack.dsn },
  reconcile: { cron: '0 4 * * *', sourceUrl: 'mysql://reconcile:x@127.0.0.1:1/' },
});

interface Replica {
  readonly lease: ReplicaLease;
  readonly events: PipelineEvents;
  /** Whether its retention and reconcile schedules run now. */
  readonly scheduled: () => { retention: boolean; reconcile: boolean };
}

function replica(owner: string, renewIntervalMs: number): Replica {
  const pool = new SessionPool(stack.dsn);
  pools.push(pool);
  const events = new PipelineEvents();
  const retention = new RetentionCron({
    cron: '0 3 * * *',
    purge: () => Promise.reject(new Error('not in this test')),
    events,
  });
  const logger = pino({ level: 'silent' });
  const reconcile = new ReconcileCron(config, pool, new ReconcileMetrics(new Registry()), logger);
  const lease = new ReplicaLease({
    pool,
    controlDatabase: control,
    name: 'replicas',
    owner,
    ttlMs: 3_000,
    renewIntervalMs,
    events,
    logger,
    ...holderDuties([retention, reconcile]),
  });
  leases.push(lease);
  return {
    lease,
    events,
    scheduled: () => ({ retention: retention.scheduled(), reconcile: reconcile.scheduled() }),
  };
}

const once = (events: PipelineEvents, name: 'lease:acquired' | 'lease:lost'): Promise<void> =>
  new Promise((resolve) => {
    const off = events.on(name, () => {
      off();
      resolve();
    });
  });

describe('scheduled jobs with two replicas', () => {
  it('run on the lease holder only, and move with the lease', { timeout: 60_000 }, async () => {
    const conn = await connect();
    await conn.exec(`CREATE DATABASE ${control}`);
    await conn.exec(createLeasesTableSql(control));
    await conn.close();

    // `a` renews far less often than its lease lasts: it loses the lease the way a frozen
    // holder does, `b` takes over, and `a` finds out at its next renewal.
    const a = replica('a', 6_000);
    const b = replica('b', 200);
    const aAcquired = once(a.events, 'lease:acquired');
    await a.lease.start();
    await aAcquired;
    const bAcquired = once(b.events, 'lease:acquired');
    const aLost = once(a.events, 'lease:lost');
    await b.lease.start();
    await waitUntil('the lease', () => b.lease.holder()?.owner === 'a', 10_000);

    expect(a.lease.active).toBe(true);
    expect(a.scheduled()).toEqual({ retention: true, reconcile: true });
    expect(b.lease.active).toBe(false);
    expect(b.scheduled()).toEqual({ retention: false, reconcile: false });

    await bAcquired;
    expect(b.scheduled()).toEqual({ retention: true, reconcile: true });
    await aLost;
    expect(a.lease.active).toBe(false);
    expect(a.scheduled()).toEqual({ retention: false, reconcile: false });
  });
});
