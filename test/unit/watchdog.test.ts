import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLoopTicker, LivenessWatchdog, type Activity } from '../../src/lifecycle/watchdog.js';
import { BatchProgress } from '../../src/ingest/batch-progress.js';
import type { SessionSource, SqlSession } from '../../src/databend/session-pool.js';

function watchdogAt(clock: { now: number }, activities: () => Activity[]) {
  return new LivenessWatchdog({ stallTimeoutMs: 60_000, activities, now: () => clock.now });
}

describe('the liveness watchdog', () => {
  it('is alive while every part with work in hand moved within the stall timeout', () => {
    const clock = { now: 1_000_000 };
    const watchdog = watchdogAt(clock, () => [
      { what: 'SQS poll loop', lastProgressAt: clock.now - 5_000 },
      { what: 'batch of orders', lastProgressAt: clock.now - 60_000 },
    ]);
    expect(watchdog.check()).toEqual({ alive: true });
  });

  it('fails naming each part that has not moved for longer than the stall timeout', () => {
    const clock = { now: 1_000_000 };
    const since = clock.now;
    const watchdog = watchdogAt(clock, () => [
      { what: 'SQS poll loop', lastProgressAt: clock.now - 1_000 },
      { what: 'batch of orders', lastProgressAt: since },
    ]);
    clock.now += 60_001;
    expect(watchdog.check()).toEqual({
      alive: false,
      reason: 'batch of orders: no progress for 60 s',
    });
  });

  it('stays alive however long a service is idle: parts with nothing to do report no activity', () => {
    const clock = { now: 0 };
    const watchdog = watchdogAt(clock, () => []);
    clock.now += 24 * 3_600_000;
    expect(watchdog.check().alive).toBe(true);
  });

  it('comes back alive once the stalled part moves again', () => {
    const clock = { now: 0 };
    let last = 0;
    const watchdog = watchdogAt(clock, () => [{ what: 'batch of t', lastProgressAt: last }]);
    clock.now = 120_000;
    expect(watchdog.check().alive).toBe(false);
    last = clock.now;
    expect(watchdog.check().alive).toBe(true);
  });
});

describe('the event loop ticker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a tick each interval while timers fire, and nothing once stopped', () => {
    vi.useFakeTimers({ now: 0 });
    const ticker = new EventLoopTicker(1_000);
    expect(ticker.activity()).toBeUndefined();
    ticker.start();
    vi.advanceTimersByTime(5_500);
    expect(ticker.activity()).toEqual({ what: 'event loop', lastProgressAt: 5_000 });
    ticker.stop();
    expect(ticker.activity()).toBeUndefined();
  });

  it('reports the last tick when timers stop firing, so the watchdog sees the loop stall', () => {
    const clock = { now: 0 };
    vi.useFakeTimers({ now: 0 });
    const ticker = new EventLoopTicker(1_000, () => clock.now);
    ticker.start();
    clock.now = 1_000;
    vi.advanceTimersByTime(1_000);
    // The clock runs on, the timers do not: a loop whose timers starve.
    clock.now = 200_000;
    const watchdog = watchdogAt(clock, () => {
      const tick = ticker.activity();
      return tick === undefined ? [] : [tick];
    });
    expect(watchdog.check()).toEqual({
      alive: false,
      reason: 'event loop: no progress for 199 s',
    });
    ticker.stop();
  });
});

describe('batch progress', () => {
  const session: SqlSession = {
    exec: () => Promise.resolve(0),
    query: () => Promise.reject(new Error('refused')),
  };
  const pool: SessionSource = { with: (work) => work(session) };

  it('marks every answered statement, result or error, as progress of the batch it runs in', async () => {
    const progress = new BatchProgress();
    const reporting = progress.reporting(pool);
    const marks: string[] = [];
    await progress.run(
      () => marks.push('a'),
      () =>
        reporting.with(async (s) => {
          await s.exec('SELECT 1');
          await s.query('SELECT 2').catch(() => undefined);
        }),
    );
    await progress.run(
      () => marks.push('b'),
      () => reporting.with((s) => s.exec('SELECT 3')),
    );
    // One mark on getting a session, one per answer.
    expect(marks).toEqual(['a', 'a', 'a', 'b', 'b']);
  });

  it('marks nothing for statements outside a batch', async () => {
    const progress = new BatchProgress();
    await expect(progress.reporting(pool).with((s) => s.exec('SELECT 1'))).resolves.toBe(0);
  });
});
