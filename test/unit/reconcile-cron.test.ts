import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { ReconcileCron } from '../../src/reconcile/reconcile-cron.js';
import { ReconcileMetrics } from '../../src/reconcile/reconcile-metrics.js';
import { minimalConfig } from '../support/config-tree.js';

function config(reconcile: Record<string, unknown>) {
  return minimalConfig({ reconcile });
}

const make = (reconcile: Record<string, unknown>): ReconcileCron =>
  new ReconcileCron(
    config(reconcile),
    new SessionPool('databend://root:@127.0.0.1:1/'),
    new ReconcileMetrics(new Registry()),
    pino({ level: 'silent' }),
  );

describe('scheduled reconcile', () => {
  it('is off by default', () => {
    const cron = make({});
    expect(cron.nextRun()).toBeNull();
  });

  it('runs on reconcile.cron with a source', () => {
    const cron = make({ cron: '0 4 * * *', sourceUrl: 'mysql://reconcile:x@db:3306/' });
    expect(cron.nextRun()).toBeInstanceOf(Date);
  });

  it('refuses a schedule without a source, naming the field', () => {
    expect(() => make({ cron: '0 4 * * *' })).toThrow(ConfigError);
    expect(() => make({ cron: '0 4 * * *' })).toThrow(/reconcile\.sourceUrl/);
  });

  it('refuses an invalid schedule, naming the field', () => {
    expect(() => make({ cron: 'every day', sourceUrl: 'mysql://r:x@db/' })).toThrow(
      /reconcile\.cron/,
    );
  });

  it('rejects a source that is not a mysql:// URL', () => {
    expect(() => config({ sourceUrl: 'postgres://db/' })).toThrow(/reconcile\.sourceUrl/);
  });
});
