/**
 * A table's newest full-load generation, decided from what S3 lists and what the ledger holds.
 * Pure: the shell (reloads.ts) lists the table folder and reads the ledger.
 *
 * A reload writes the table's LOAD files again: under the same keys with new ETags (DMS counts
 * from LOAD00000001 again), after DMS emptied the folder (`DROP_AND_CREATE`, a source TRUNCATE:
 * S3 sends ObjectRemoved), or both. The generation starts at the earliest of:
 * - the time the folder's LOAD files were removed (an ObjectRemoved event), and
 * - the LastModified of the earliest listed LOAD object whose key the ledger also holds under
 *   another ETag (a rewritten key: LOAD00000001 of the new generation is written first).
 * Its members are the listed LOAD objects written since. Listed LOAD objects written before are
 * leftovers of the old generation (with `TargetTablePrepMode=DO_NOTHING` DMS does not delete
 * them); they are not part of the snapshot.
 *
 * It is complete when every member is in the ledger with its current ETag, and the ledger holds
 * a CDC file of the table created after the newest member (or after the start, for a generation
 * of no member: a table empty at its reload gets no LOAD file): DMS writes a table's CDC files
 * only once its full load (and the changes cached during it) are done. A source quiet after its
 * reload writes no such CDC file; the operator then declares the generation complete.
 */
import type { ListedObject } from './bucket-lister.js';

/** A ledger row of one of the table's files. */
export interface LedgerFile {
  readonly key: string;
  readonly etag: string;
  readonly batchId: string;
  readonly kind: 'load' | 'cdc';
}

export interface GenerationInput {
  /** The table folder's LOAD objects as listed now. */
  readonly listedLoads: readonly ListedObject[];
  readonly ledger: readonly LedgerFile[];
  /** When ObjectRemoved events said the folder's LOAD files were deleted, if they did. */
  readonly removedAt: Date | undefined;
  /** The CDC file time (UTC, from its name) of the newest CDC file the ledger holds, if any. */
  readonly newestCdcTime: Date | undefined;
}

export interface Generation {
  /** Undefined when nothing shows a reload. */
  readonly startedAt: Date | undefined;
  /** Members: key → the ledger's batch that loaded its current version (undefined: not loaded). */
  readonly members: ReadonlyMap<string, string | undefined>;
  readonly leftovers: readonly string[];
  /** Members the ledger lacks with their current ETag. */
  readonly missing: readonly string[];
  /** Whether a CDC file created after the newest member has been loaded. */
  readonly cdcAfter: boolean;
  readonly complete: boolean;
}

export function evaluateGeneration(input: GenerationInput): Generation {
  const etagsByKey = new Map<string, Map<string, string>>();
  for (const row of input.ledger) {
    if (row.kind !== 'load') continue;
    const etags = etagsByKey.get(row.key) ?? new Map<string, string>();
    etags.set(row.etag, row.batchId);
    etagsByKey.set(row.key, etags);
  }
  const rewritten = input.listedLoads.filter((o) =>
    [...(etagsByKey.get(o.key)?.keys() ?? [])].some((etag) => etag !== o.etag),
  );
  const starts = [
    ...(input.removedAt === undefined ? [] : [input.removedAt.getTime()]),
    ...rewritten.map((o) => o.lastModified.getTime()),
  ];
  if (starts.length === 0)
    return {
      startedAt: undefined,
      members: new Map(),
      leftovers: [],
      missing: [],
      cdcAfter: false,
      complete: false,
    };
  const start = Math.min(...starts);
  const members = new Map<string, string | undefined>();
  const leftovers: string[] = [];
  const missing: string[] = [];
  let newest = start;
  for (const object of input.listedLoads) {
    // S3 LastModified has one-second resolution: an object of the same second is a member.
    if (object.lastModified.getTime() < Math.floor(start / 1000) * 1000) {
      leftovers.push(object.key);
      continue;
    }
    const batch = etagsByKey.get(object.key)?.get(object.etag);
    members.set(object.key, batch);
    if (batch === undefined) missing.push(object.key);
    newest = Math.max(newest, object.lastModified.getTime());
  }
  const cdcAfter = input.newestCdcTime !== undefined && input.newestCdcTime.getTime() > newest;
  return {
    startedAt: new Date(start),
    members,
    leftovers: leftovers.sort(),
    missing: missing.sort(),
    cdcAfter,
    // No member: the source table was empty when it was reloaded (or truncated), so DMS wrote no
    // LOAD file. The CDC file after the start says the load is over all the same.
    complete: missing.length === 0 && cdcAfter,
  };
}

/** A CDC file name's time (`YYYYMMDDHHMMSSmmm…`, UTC) as a Date. */
export function cdcFileTime(cdcTimestamp: string): Date {
  const d = cdcTimestamp;
  return new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}.${d.slice(14, 17)}Z`,
  );
}
