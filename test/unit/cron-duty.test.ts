import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { CronDuty } from '../../src/lifecycle/cron-duty.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('CronDuty', () => {
  it('rejects an invalid expression as a configuration error naming its field', () => {
    const make = () =>
      new CronDuty({
        name: 'x',
        field: 'maintenance.compactCron',
        cron: 'often',
        run: () => Promise.resolve(),
      });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/maintenance\.compactCron: .*\(got "often"\)/);
  });

  it('never runs when its expression is empty', () => {
    const duty = new CronDuty({ name: 'x', field: 'f', cron: '', run: () => Promise.resolve() });
    duty.start();
    expect(duty.scheduled()).toBe(false);
    expect(duty.nextRun()).toBeNull();
  });

  it('runs on its schedule only between start and pause', async () => {
    vi.useFakeTimers({ now: new Date(2026, 0, 1, 0, 4, 0) });
    let runs = 0;
    const duty = new CronDuty({
      name: 'x',
      field: 'f',
      cron: '*/5 * * * *',
      run: () => {
        runs++;
        return Promise.resolve();
      },
    });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toBe(0);
    duty.start();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(runs).toBe(1);
    duty.pause();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(runs).toBe(1);
    await duty.stop();
  });

  it('runs once at a time: a second runOnce joins the run in progress', async () => {
    let runs = 0;
    let finish = (): void => undefined;
    const duty = new CronDuty({
      name: 'x',
      field: 'f',
      cron: '0 3 * * *',
      run: () => {
        runs++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    const first = duty.runOnce();
    const second = duty.runOnce();
    finish();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
  });
});
