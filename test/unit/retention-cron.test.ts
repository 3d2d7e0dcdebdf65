import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { PipelineEvents, type RetentionCompleted, type RetentionFailed } from '../../src/events.js';
import { cronProblem, RetentionCron } from '../../src/lifecycle/retention-cron.js';
import type { PurgeResult } from '../../src/control/retention.js';

afterEach(() => {
  vi.useRealTimers();
});

function recorder(events: PipelineEvents) {
  const completed: RetentionCompleted[] = [];
  const failed: RetentionFailed[] = [];
  events.on('retention:completed', (e) => completed.push(e));
  events.on('retention:failed', (e) => failed.push(e));
  return { completed, failed };
}

const result = (tables: PurgeResult['tables']): PurgeResult => ({
  tables,
  rowsDeleted: tables.reduce((s, t) => s + (t.ok ? t.rowsDeleted : 0), 0),
  durationMs: 12,
});

describe('RetentionCron', () => {
  it('rejects an invalid expression as a configuration error naming retention.cron', () => {
    const make = () =>
      new RetentionCron({
        cron: 'daily',
        purge: () => Promise.resolve(result([])),
        events: new PipelineEvents(),
      });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/retention\.cron: .*\(got "daily"\)/);
    expect(cronProblem('0 3 * * *')).toBeUndefined();
    expect(cronProblem('61 3 * * *')).toBeDefined();
  });

  it('runs at the scheduled time and reports the rows deleted', async () => {
    vi.useFakeTimers({ now: new Date(2026, 0, 1, 2, 59, 0) });
    const events = new PipelineEvents();
    const seen = recorder(events);
    const purge = vi.fn(() =>
      Promise.resolve(result([{ table: 'orders', ok: true, rowsDeleted: 42 }])),
    );
    const cron = new RetentionCron({ cron: '0 3 * * *', purge, events });
    cron.start();
    expect(cron.nextRun()).toEqual(new Date(2026, 0, 1, 3, 0, 0));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(purge).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(purge).toHaveBeenCalledTimes(1);
    expect(seen.completed).toEqual([{ rowsDeleted: 42, durationMs: 12 }]);
    await cron.stop();
  });

  it('reports a run in which a table failed as failed, naming the table, and keeps the schedule', async () => {
    const events = new PipelineEvents();
    const seen = recorder(events);
    const cron = new RetentionCron({
      cron: '0 3 * * *',
      purge: () =>
        Promise.resolve(
          result([
            { table: 'orders', ok: true, rowsDeleted: 5 },
            { table: 'items', ok: false, error: new Error('Databend error 1025: Unknown table') },
          ]),
        ),
      events,
    });
    await cron.runOnce();
    expect(seen.completed).toEqual([]);
    expect(String((seen.failed[0]?.error as Error).message)).toBe(
      'raw retention failed for 1 of 2 table(s) (5 row(s) deleted from the others): items: Databend error 1025: Unknown table',
    );
    const thrown = new RetentionCron({
      cron: '0 3 * * *',
      purge: () => Promise.reject(new Error('unreachable')),
      events,
    });
    await thrown.runOnce();
    expect((seen.failed[1]?.error as Error).message).toBe('unreachable');
  });

  it('never runs two purges at once', async () => {
    let release: () => void = () => undefined;
    const purge = vi.fn(
      () =>
        new Promise<PurgeResult>((resolve) => {
          release = () => resolve(result([]));
        }),
    );
    const cron = new RetentionCron({ cron: '0 3 * * *', purge, events: new PipelineEvents() });
    const first = cron.runOnce();
    const second = cron.runOnce();
    expect(purge).toHaveBeenCalledTimes(1);
    release();
    await Promise.all([first, second]);
  });
});
