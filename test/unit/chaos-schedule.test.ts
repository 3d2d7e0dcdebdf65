// The chaos suite's schedule: what strikes when, drawn from the seed.
import { describe, expect, it } from 'vitest';
import { chaosSchedule, describeEvent } from '../chaos/schedule.js';

const options = { seed: 5, windowMs: 60_000, kills: 6, databendRestarts: 2, outages: 3 };

describe('the chaos schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(chaosSchedule(options)).toEqual(chaosSchedule(options));
    expect(chaosSchedule({ ...options, seed: 6 })).not.toEqual(chaosSchedule(options));
  });

  it('holds the asked number of each event, in time order, after the first tenth of the window', () => {
    const events = chaosSchedule(options);
    expect(events.filter((e) => e.kind === 'kill')).toHaveLength(6);
    expect(events.filter((e) => e.kind === 'databend-restart')).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'outage')).toHaveLength(3);
    const times = events.map((e) => e.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(6_000);
    for (const t of times) expect(t).toBeLessThanOrEqual(60_000);
  });

  it('describes each event in one line', () => {
    expect(
      describeEvent({ atMs: 1_500, kind: 'kill', duringBatch: true, offsetMs: 40, downMs: 300 }),
    ).toBe('1.5s SIGKILL the service 40 ms into the next batch (down 300 ms)');
    expect(describeEvent({ atMs: 2_000, kind: 'databend-restart', downMs: 800 })).toBe(
      '2.0s restart Databend (down 800 ms)',
    );
    expect(describeEvent({ atMs: 3_000, kind: 'outage', target: 'aws', durationMs: 1_200 })).toBe(
      '3.0s aws unreachable for 1200 ms',
    );
  });
});
