import { describe, expect, it } from 'vitest';
import { ProgressBar, progressLine } from '../../src/cli/backfill-progress.js';
import { BackfillUsageError, parseSince } from '../../src/cli/backfill.js';

const NOW = Date.parse('2024-06-12T12:00:00Z');

describe('backfill --since', () => {
  it('reads an age before now', () => {
    expect(parseSince('90m', NOW)).toEqual(new Date(NOW - 90 * 60_000));
    expect(parseSince('12h', NOW)).toEqual(new Date(NOW - 12 * 3_600_000));
    expect(parseSince('7d', NOW)).toEqual(new Date(NOW - 7 * 86_400_000));
    expect(parseSince('30s', NOW)).toEqual(new Date(NOW - 30_000));
  });

  it('reads ISO-8601 dates and times as UTC unless they name a zone', () => {
    expect(parseSince('2024-06-01', NOW)).toEqual(new Date('2024-06-01T00:00:00Z'));
    expect(parseSince('2024-06-01T08:30', NOW)).toEqual(new Date('2024-06-01T08:30:00Z'));
    expect(parseSince('2024-06-01 08:30:15', NOW)).toEqual(new Date('2024-06-01T08:30:15Z'));
    expect(parseSince('2024-06-01T08:30:00+02:00', NOW)).toEqual(new Date('2024-06-01T06:30:00Z'));
  });

  it('rejects anything else with a message naming the option', () => {
    for (const text of ['yesterday', '12', '2024-13-45', '-5m', ''])
      expect(() => parseSince(text, NOW)).toThrow(BackfillUsageError);
    expect(() => parseSince('soon', NOW)).toThrow(/--since "soon"/);
  });
});

describe('the backfill progress bar', () => {
  it('shows the share of files settled, rows and failures', () => {
    expect(progressLine({ total: 10, settled: 3, failed: 0, rows: 1234, elapsedMs: 4200 })).toBe(
      '[#########---------------------]  30% 3/10 files  1,234 rows  4.2 s',
    );
    expect(progressLine({ total: 4, settled: 4, failed: 2, rows: 0, elapsedMs: 0 })).toBe(
      '[##############################] 100% 4/4 files  0 rows  2 failed  0.0 s',
    );
    expect(progressLine({ total: 0, settled: 0, failed: 0, rows: 0, elapsedMs: 0 })).toMatch(
      /^\[#{30}\] 100% 0\/0 files/,
    );
  });

  it('redraws one line in place on a terminal', () => {
    let clock = 0;
    const writes: string[] = [];
    const bar = new ProgressBar(
      { write: (t: string) => writes.push(t), isTTY: true },
      3,
      () => clock,
    );
    clock = 200;
    bar.tick(5, false);
    clock = 250; // within 100 ms: not redrawn
    bar.tick(5, false);
    clock = 400;
    bar.tick(5, true);
    bar.finish();
    expect(writes.every((w) => w.startsWith('\r') || w === '\n')).toBe(true);
    expect(writes).toHaveLength(4);
    expect(writes.at(-2)).toContain('3/3 files  15 rows  1 failed');
    expect(writes.at(-1)).toBe('\n');
  });

  it('prints a line at the first file and at each tenth elsewhere, the last state once', () => {
    const writes: string[] = [];
    const bar = new ProgressBar({ write: (t: string) => writes.push(t) }, 100, () => 0);
    for (let i = 0; i < 100; i++) bar.tick(1, false);
    bar.finish();
    expect(writes).toHaveLength(11);
    expect(writes.at(-1)).toContain('100% 100/100 files');
    expect(writes.every((w) => w.endsWith('\n'))).toBe(true);
  });
});
