/**
 * Two DMS source tables must never feed one Databend table: their keys would overwrite each other
 * in ODS, silently (`shard1.orders` and `shard2.orders` with `tables.naming: table`). The pure
 * part finds such sources among known folders (`validate`, `plan`); TargetOwners refuses, at its
 * first file, a source whose target another source already feeds (the ledger says which).
 */
import type { Config } from '../config.js';
import { oneFileOfTableSql } from '../control/ledger-sql.js';
import type { SessionPool } from '../databend/session-pool.js';
import { poison, retry, type FileResult } from './file-outcome.js';
import { parseKey } from '../files/key-layout.js';
import type { PendingFile } from './pending-file.js';
import { routeTable } from './table-routes.js';

export interface TargetCollision {
  readonly target: string;
  /** Two or more `<schema>.<table>` sources, sorted. */
  readonly sources: readonly string[];
}

/** Why `source` may not feed `target`, which `owner` feeds; names the settings that separate them. */
export function collisionMessage(
  tables: Config['tables'],
  target: string,
  owner: string,
  source: string,
): string {
  return (
    `${source} and ${owner} both map to the Databend table ${target} (tables.naming: ${tables.naming}); ` +
    `their keys would overwrite each other. Keep them apart with tables.naming: schema_table, ` +
    `or tables.byName["${source}"].targetName`
  );
}

/** Targets fed by more than one of these sources. */
export function findCollisions(
  tables: Config['tables'],
  sources: readonly { readonly schema: string; readonly table: string }[],
): TargetCollision[] {
  const byTarget = new Map<string, Set<string>>();
  for (const { schema, table } of sources) {
    const route = routeTable(tables, schema, table);
    byTarget.set(route.target, (byTarget.get(route.target) ?? new Set()).add(route.source));
  }
  return [...byTarget]
    .filter(([, s]) => s.size > 1)
    .map(([target, s]) => ({ target, sources: [...s].sort() }));
}

/** Which source feeds each target: the first seen by this process, or the ledger's. */
export class TargetOwners {
  private readonly owners = new Map<string, Promise<string>>();

  constructor(private readonly deps: { readonly config: Config; readonly pool: SessionPool }) {}

  /** Poison when another source already feeds the file's target; undefined when it may load. */
  async refuse(file: PendingFile): Promise<FileResult | undefined> {
    const { target, source } = file.route;
    let owner = this.owners.get(target);
    if (owner === undefined) {
      // Claimed before the first await, so two first files at once agree on one owner.
      owner = this.ledgerOwner(target).then((found) => found ?? source);
      owner.catch(() => this.owners.delete(target));
      this.owners.set(target, owner);
    }
    const feeds = await owner.catch((error: unknown) => error as Error);
    if (feeds instanceof Error)
      return retry(`checking which source feeds ${target} failed: ${feeds.message}`);
    if (feeds === source) return undefined;
    return poison(collisionMessage(this.deps.config.tables, target, feeds, source));
  }

  /** The source of a file the ledger holds for the target, if any. */
  private async ledgerOwner(target: string): Promise<string | undefined> {
    const { config, pool } = this.deps;
    const rows = await pool.with((s) =>
      s.query(oneFileOfTableSql(config.databend.controlDatabase, target)),
    );
    const key = rows[0]?.object_key;
    if (typeof key !== 'string') return undefined;
    const layout = parseKey(key, { bucketFolder: config.s3.bucketFolder });
    return layout.ok ? `${layout.file.schema}.${layout.file.table}` : undefined;
  }
}
