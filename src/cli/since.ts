/** `--since` of `backfill`: a point in time, or an age before now. */

/** A bad command-line value; the message says which. */
export class BackfillUsageError extends Error {
  override readonly name = 'BackfillUsageError';
}

const AGE = /^(\d+)\s*([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: an ISO-8601 date or time (UTC unless it names a zone), or an age before `now`. */
export function parseSince(text: string, now: number): Date {
  const age = AGE.exec(text.trim());
  if (age !== null) {
    const unit = age[2] as keyof typeof UNIT_MS;
    return new Date(now - Number(age[1]) * UNIT_MS[unit]);
  }
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
  if (iso.test(text.trim())) {
    const trimmed = text.trim().replace(' ', 'T');
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) || !trimmed.includes('T');
    const date = new Date(zoned ? trimmed : `${trimmed}Z`);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new BackfillUsageError(
    `--since ${JSON.stringify(text)}: expected an ISO-8601 time (2024-06-12, 2024-06-12T08:00Z) or an age (90m, 12h, 7d)`,
  );
}
