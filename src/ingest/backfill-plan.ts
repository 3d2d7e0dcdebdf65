/**
 * What a backfill would load: every DMS file under the chosen prefix (or table) that the ledger
 * lacks, per table in DMS order (full-load files, then CDC files by name). Unlike the sweep it
 * lists everything it is pointed at, with no start key, so it also finds what no incremental
 * listing can (see sweep-cursor.ts).
 */
import { earliestLoadTime } from '../files/ledger-window.js';
import type { Config } from '../config.js';
import type { BucketLister } from './bucket-lister.js';
import type { LedgerReader } from '../control/ledger-reader.js';
import { listedFile } from './listed-file.js';
import { byDmsOrder, type PendingFile } from './pending-file.js';
import { fileId } from '../files/file-ref.js';
import { schemaLevelPrefix } from './sweep-cursor.js';
import { listTableFolders } from './table-folders.js';
import { routeTable, type TableRoute } from './table-routes.js';

export interface BackfillFilter {
  /** Only keys under this prefix. */
  readonly prefix?: string | undefined;
  /** Only this table: `<schema>.<table>` as DMS names the folder, or the Databend table name. */
  readonly table?: string | undefined;
  /** Only files S3 finished writing at or after this time. */
  readonly since?: Date | undefined;
}

export interface TablePlan {
  /** The Databend table. */
  readonly table: string;
  /** The `<schema>.<table>` folders feeding it. */
  readonly sources: readonly string[];
  /** Files to load, in DMS order. */
  readonly files: readonly PendingFile[];
  /** Files that passed the filters and are already in the ledger. */
  readonly alreadyLoaded: number;
}

export interface BackfillPlan {
  readonly tables: readonly TablePlan[];
  /** Objects listed. */
  readonly listed: number;
  /** Listed keys outside the DMS layout. */
  readonly outsideLayout: number;
  readonly listRequests: number;
}

export interface PlanDeps {
  readonly config: Config;
  readonly lister: BucketLister;
  readonly ledger: LedgerReader;
}

export function matchesTable(route: TableRoute, table: string): boolean {
  return route.source === table || route.target === table;
}

export async function planBackfill(deps: PlanDeps, filter: BackfillFilter): Promise<BackfillPlan> {
  const { config, lister, ledger } = deps;
  const requestsBefore = lister.requests;
  const tables = new Map<string, { sources: Set<string>; files: PendingFile[]; loaded: number }>();
  let listed = 0;
  let outsideLayout = 0;
  for (const prefix of await listingPrefixes(deps, filter)) {
    for await (const page of lister.pages({ prefix })) {
      listed += page.length;
      const candidates: PendingFile[] = [];
      for (const object of page) {
        const file = listedFile(config, object);
        if (file === undefined) outsideLayout += 1;
        else if (filter.since !== undefined && object.lastModified < filter.since) continue;
        else if (filter.table !== undefined && !matchesTable(file.route, filter.table)) continue;
        else candidates.push(file);
      }
      if (candidates.length === 0) continue;
      const loaded = await ledger.loaded(
        candidates.map((c) => c.ref),
        earliestLoadTime(candidates.map((c) => c.key)),
      );
      for (const file of candidates) {
        const entry = tables.get(file.route.target) ?? { sources: new Set(), files: [], loaded: 0 };
        tables.set(file.route.target, entry);
        entry.sources.add(file.route.source);
        if (loaded.has(fileId(file.ref))) entry.loaded += 1;
        else entry.files.push(file);
      }
    }
  }
  return {
    tables: [...tables]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([table, t]) => ({
        table,
        sources: [...t.sources].sort(),
        files: t.files.sort(byDmsOrder),
        alreadyLoaded: t.loaded,
      })),
    listed,
    outsideLayout,
    listRequests: lister.requests - requestsBefore,
  };
}

/**
 * The prefix, or for one table the folders that feed it (found through the schema level, since a
 * name like `a.b.c` does not say where the schema ends), each narrowed by the prefix.
 */
async function listingPrefixes(deps: PlanDeps, filter: BackfillFilter): Promise<string[]> {
  const { config } = deps;
  const root = filter.prefix ?? schemaLevelPrefix(config.s3.bucketFolder);
  const table = filter.table;
  if (table === undefined) return [root];
  const folders = await listTableFolders(deps.lister, config.s3.bucketFolder);
  return folders
    .filter((f) => matchesTable(routeTable(config.tables, f.schema, f.table), table))
    .flatMap((f) => {
      if (root.startsWith(f.prefix)) return [root];
      if (f.prefix.startsWith(root)) return [f.prefix];
      return [];
    });
}
