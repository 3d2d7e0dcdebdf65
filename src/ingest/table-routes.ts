/**
 * Which Databend table a DMS `<schema>/<table>` folder feeds, and with which key: exact names in
 * config win over `*` patterns, which win over the default key. Pure.
 */
import type { Config, TableSettings } from '../config.js';
import { beforeImageColumnNames } from '../merge/before-image.js';
import type { TableTarget } from '../schema/schema-plan.js';
import type { ColumnTypeOverrides } from '../schema/type-map.js';

export interface TableRoute {
  /** `<schema>.<table>` as DMS names the folder. */
  readonly source: string;
  /** The Databend table name in raw and ODS. */
  readonly target: string;
  /** Undefined: no key configured; the table loads to raw only. */
  readonly primaryKey: readonly string[] | undefined;
  readonly columnTypes: ColumnTypeOverrides;
}

function patternMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(name);
}

function settingsFor(tables: Config['tables'], source: string): TableSettings | undefined {
  const exact = tables.byName[source];
  if (exact !== undefined) return exact;
  const patterns = Object.entries(tables.byName)
    .filter(([pattern]) => pattern.includes('*') && patternMatches(pattern, source))
    // The most specific pattern (longest literal part) wins.
    .sort(([a], [b]) => b.replaceAll('*', '').length - a.replaceAll('*', '').length);
  return patterns[0]?.[1];
}

export function routeTable(tables: Config['tables'], schema: string, table: string): TableRoute {
  const source = `${schema}.${table}`;
  const settings = settingsFor(tables, source);
  const target =
    settings?.targetName ?? (tables.naming === 'schema_table' ? `${schema}_${table}` : table);
  return {
    source,
    target,
    primaryKey: settings?.primaryKey ?? tables.defaultPrimaryKey,
    columnTypes: settings?.columnTypes ?? {},
  };
}

/** Where a routed table's raw and ODS live, for the schema planner. */
export function schemaTarget(
  config: Pick<Config, 'databend' | 'dms'>,
  route: Pick<TableRoute, 'target' | 'primaryKey'>,
): TableTarget {
  return {
    rawDatabase: config.databend.rawDatabase,
    odsDatabase: config.databend.odsDatabase,
    table: route.target,
    withOds: route.primaryKey !== undefined,
    // Before images of the key are read from raw by the MERGE; they are no ODS columns.
    rawOnlyColumns: beforeImageColumnNames(route.primaryKey ?? [], config.dms.beforeImagePrefix),
  };
}
