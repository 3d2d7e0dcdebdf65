/**
 * Decoding query rows. databend-driver returns each row as a record of loosely typed values;
 * every query's rows are decoded once, next to its SQL, with these.
 */
import type { Row } from './session-pool.js';

/** A column as text (the driver gives strings for VARCHAR and for values cast `::STRING`). */
export function text(row: Row, column: string): string {
  return String(row[column]);
}

/** A column as a number (counts cast to text come back as text). */
export function numeric(row: Row, column: string): number {
  return Number(row[column]);
}

/** A nullable text column: undefined for NULL (or any non-string). */
export function optionalText(row: Row, column: string): string | undefined {
  const value = row[column];
  return typeof value === 'string' ? value : undefined;
}

/** Databend's TIMESTAMP text (`2024-01-01 12:00:00.123456`, UTC) as a Date. */
export function timestampFromText(value: string): Date {
  return new Date(`${value.replace(' ', 'T')}Z`);
}
