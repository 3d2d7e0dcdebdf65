import { describe, expect, it } from 'vitest';
import { BackfillUsageError, parseSince } from '../../src/cli/since.js';

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
