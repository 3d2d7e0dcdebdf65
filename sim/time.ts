/**
 * Simulated time is an integer count of microseconds since the Unix epoch, UTC (2^53 µs is
 * year 2255, so a JS number holds it exactly).
 */
export type Micros = number;

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MS = 1_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

interface Parts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  milli: string;
  micro: string;
}

function parts(micros: Micros): Parts {
  if (!Number.isSafeInteger(micros)) throw new Error(`Bad simulated time ${micros}`);
  const ms = Math.floor(micros / MICROS_PER_MS);
  const d = new Date(ms);
  const subSecond = ((micros % MICROS_PER_SECOND) + MICROS_PER_SECOND) % MICROS_PER_SECOND;
  return {
    year: pad(d.getUTCFullYear(), 4),
    month: pad(d.getUTCMonth() + 1, 2),
    day: pad(d.getUTCDate(), 2),
    hour: pad(d.getUTCHours(), 2),
    minute: pad(d.getUTCMinutes(), 2),
    second: pad(d.getUTCSeconds(), 2),
    milli: pad(Math.floor(subSecond / 1000), 3),
    micro: pad(subSecond, 6),
  };
}

/** DMS's timestamp-column format, `yyyy-MM-dd HH:mm:ss.SSSSSS`. */
export function formatDmsTimestamp(micros: Micros): string {
  const p = parts(micros);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${p.micro}`;
}

/** A CDC file's name stem, `YYYYMMDD-HHMMSSmmm` (UTC creation time, milliseconds). */
export function formatCdcStem(micros: Micros): string {
  const p = parts(micros);
  return `${p.year}${p.month}${p.day}-${p.hour}${p.minute}${p.second}${p.milli}`;
}

/** The 16-digit time prefix of `$AR_H_CHANGE_SEQ`: `yyyyMMddHHmmss` plus hundredths. */
export function formatChangeSeqTime(micros: Micros): string {
  const p = parts(micros);
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}${p.milli.slice(0, 2)}`;
}

export function dateParts(micros: Micros): {
  year: string;
  month: string;
  day: string;
  hour: string;
} {
  const p = parts(micros);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour };
}

export function floorToSecond(micros: Micros): Micros {
  return Math.floor(micros / MICROS_PER_SECOND) * MICROS_PER_SECOND;
}

/** Parses an ISO-8601 instant (`2024-06-12T10:00:00Z`) to microseconds. */
export function parseInstant(text: string): Micros {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`Not an ISO-8601 instant: ${text}`);
  return ms * MICROS_PER_MS;
}
