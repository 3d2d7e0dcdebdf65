/**
 * Row hashes and the checksum of a set of rows, computed here rather than in either database so
 * that both sides hash the same canonical text (normalise.ts). A set's checksum is the XOR of its
 * rows' 128-bit hashes, each of which covers the key, so it does not depend on the order rows
 * arrive in; with the row count beside it, equal checksums mean equal sets.
 */
import { createHash } from 'node:crypto';

const HASH_BYTES = 16;

/** The hash of one row: its key and every compared value, NULL distinct from any text. */
export function rowHash(key: string, values: readonly (string | null)[]): Buffer {
  const hash = createHash('sha256');
  hash.update(key);
  for (const value of values) {
    // A unit separator between values and a marker before each keep ('a','bc') ≠ ('ab','c').
    hash.update(value === null ? '\u001f\u0000' : `\u001f\u0001${value}`);
  }
  return hash.digest().subarray(0, HASH_BYTES);
}

export interface SetDigest {
  readonly count: number;
  readonly checksum: string;
}

export function digestOf(keys: readonly string[], hashes: ReadonlyMap<string, Buffer>): SetDigest {
  const acc = Buffer.alloc(HASH_BYTES);
  let count = 0;
  for (const key of keys) {
    const h = hashes.get(key);
    if (h === undefined) continue;
    count++;
    for (let i = 0; i < HASH_BYTES; i++) acc[i] = (acc[i] ?? 0) ^ (h[i] ?? 0);
  }
  return { count, checksum: acc.toString('hex') };
}

export function sameDigest(a: SetDigest, b: SetDigest): boolean {
  return a.count === b.count && a.checksum === b.checksum;
}

/**
 * The keys whose rows differ between two sides of one chunk, found by bisection: halves whose
 * checksums agree are dropped, the others split again down to single keys. The row hashes are
 * already in memory, so this costs no further reads.
 */
export function bisectDifferences(
  source: ReadonlyMap<string, Buffer>,
  ods: ReadonlyMap<string, Buffer>,
): { readonly keys: string[]; readonly comparisons: number } {
  const all = [...new Set([...source.keys(), ...ods.keys()])].sort();
  const keys: string[] = [];
  let comparisons = 0;
  const visit = (range: readonly string[]): void => {
    if (range.length === 0) return;
    comparisons++;
    if (sameDigest(digestOf(range, source), digestOf(range, ods))) return;
    if (range.length === 1) {
      keys.push(range[0] as string);
      return;
    }
    const middle = Math.ceil(range.length / 2);
    visit(range.slice(0, middle));
    visit(range.slice(middle));
  };
  visit(all);
  return { keys, comparisons };
}
