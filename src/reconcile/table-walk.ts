/**
 * The first pass over one table: the source's primary key in chunks of `chunkRows`, each chunk
 * compared with the ODS rows of the same key range by row count and checksum, and a differing
 * chunk bisected down to its keys. Differences found here are candidates: in-flight-check.ts
 * decides which of them are drift.
 */
import type { SqlSession } from '../databend/session-pool.js';
import { odsRange, type OdsTableRead } from './ods-reader.js';
import { bisectDifferences, digestOf, rowHash, sameDigest } from './row-digest.js';
import type { CanonicalRow, MysqlSource, SourceTableRead } from './source-reader.js';
import type { TablePair } from './table-pair.js';
import type { RowThrottle } from './throttle.js';

export type DifferenceKind = 'missing_in_ods' | 'extra_in_ods' | 'values_differ';

export interface KeyDifference {
  /** Canonical key values, in key order. */
  readonly key: readonly string[];
  readonly kind: DifferenceKind;
  /** For values_differ: the columns that differ. */
  readonly columns: readonly string[];
  /** The ODS row's `_seq` (undefined when ODS lacks the key). */
  readonly odsSeq: string | undefined;
  /** The source row's hash (undefined when the source lacks the key). */
  readonly sourceHash: string | undefined;
  /** The source clock when the source row was read. */
  readonly readAt: string;
}

export interface WalkProgress {
  readonly sourceRows: number;
  readonly chunks: number;
}

export interface WalkResult {
  readonly sourceRows: number;
  readonly odsRows: number;
  readonly chunks: number;
  readonly chunksDiffering: number;
  readonly differences: KeyDifference[];
}

export interface WalkDeps {
  readonly source: MysqlSource;
  readonly ods: SqlSession;
  readonly throttle: RowThrottle;
  readonly onProgress?: (progress: WalkProgress) => void;
}

export function sourceRead(pair: TablePair): SourceTableRead {
  return {
    schema: pair.schema,
    table: pair.table,
    keyColumns: pair.key.map((k) => k.name),
    columns: pair.columns,
  };
}

export function odsRead(pair: TablePair, odsDatabase: string): OdsTableRead {
  return { database: odsDatabase, table: pair.target, key: pair.key, columns: pair.columns };
}

export const keyText = (key: readonly string[]): string => JSON.stringify(key);

export function hashRows(rows: readonly CanonicalRow[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const row of rows) {
    const key = keyText(row.key);
    out.set(key, rowHash(key, row.values));
  }
  return out;
}

/** Compares two sides' rows of the same keys; returns the keys that differ and how. */
export function compareRows(
  pair: TablePair,
  sourceRows: readonly CanonicalRow[],
  odsRows: readonly (CanonicalRow & { seq: string })[],
  readAt: string,
): { differences: KeyDifference[]; equalDigest: boolean } {
  const sourceHashes = hashRows(sourceRows);
  const odsHashes = hashRows(odsRows);
  const all = [...new Set([...sourceHashes.keys(), ...odsHashes.keys()])];
  if (sameDigest(digestOf(all, sourceHashes), digestOf(all, odsHashes)))
    return { differences: [], equalDigest: true };
  const bySource = new Map(sourceRows.map((r) => [keyText(r.key), r]));
  const byOds = new Map(odsRows.map((r) => [keyText(r.key), r]));
  const differences = bisectDifferences(sourceHashes, odsHashes).keys.map((k): KeyDifference => {
    const s = bySource.get(k);
    const o = byOds.get(k);
    const kind: DifferenceKind =
      o === undefined ? 'missing_in_ods' : s === undefined ? 'extra_in_ods' : 'values_differ';
    const columns =
      s !== undefined && o !== undefined
        ? pair.columns.filter((_, i) => s.values[i] !== o.values[i]).map((c) => c.name)
        : [];
    return {
      key: (s ?? o)?.key ?? (JSON.parse(k) as string[]),
      kind,
      columns,
      odsSeq: o?.seq,
      sourceHash: sourceHashes.get(k)?.toString('hex'),
      readAt,
    };
  });
  return { differences, equalDigest: false };
}

export async function walkTable(
  deps: WalkDeps,
  pair: TablePair,
  odsDatabase: string,
  chunkRows: number,
): Promise<WalkResult> {
  const sRead = sourceRead(pair);
  const oRead = odsRead(pair, odsDatabase);
  let after: readonly string[] | undefined;
  let sourceRows = 0;
  let odsRows = 0;
  let chunks = 0;
  let chunksDiffering = 0;
  const differences: KeyDifference[] = [];
  for (;;) {
    const readAt = await deps.source.now();
    const rows = await deps.source.chunk(sRead, after, chunkRows);
    await deps.throttle.after(rows.length);
    // The last chunk has no upper bound, so ODS keys past the source's last key are seen too.
    const last = rows.length < chunkRows ? undefined : rows.at(-1)?.key;
    const ods = await odsRange(deps.ods, oRead, after, last);
    sourceRows += rows.length;
    odsRows += ods.length;
    chunks++;
    const compared = compareRows(pair, rows, ods, readAt);
    if (!compared.equalDigest) chunksDiffering++;
    differences.push(...compared.differences);
    deps.onProgress?.({ sourceRows, chunks });
    if (last === undefined) break;
    after = last;
  }
  return { sourceRows, odsRows, chunks, chunksDiffering, differences };
}
