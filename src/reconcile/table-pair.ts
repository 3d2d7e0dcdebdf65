/**
 * A source table and its ODS table, matched: the key (from the service's table routes, the same
 * key ODS is merged on), the columns both sides have and the kind each compares as. Columns only
 * one side has are listed, not compared: a column DMS has not delivered yet is not drift.
 */
import type { Config } from '../config.js';
import { routeTable } from '../ingest/table-routes.js';
import type { KeyColumn } from './key-predicates.js';
import { columnKind, type ColumnKind } from './normalise.js';
import type { SourceColumn } from './source-reader.js';

export interface ComparedColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly odsType: string;
  readonly source: SourceColumn;
}

export interface TablePair {
  /** `<schema>.<table>` at the source. */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  /** The Databend table name in raw and ODS. */
  readonly target: string;
  readonly key: readonly KeyColumn[];
  /** Keys first, then the other compared columns in source order. */
  readonly columns: readonly ComparedColumn[];
  readonly sourceOnly: readonly string[];
  readonly odsOnly: readonly string[];
}

const ODS_STATE_COLUMNS = new Set(['is_deleted', '_seq', '_updated_at']);

export class PairError extends Error {
  override readonly name = 'PairError';
}

function splitName(sourceName: string): [string, string] {
  const dot = sourceName.indexOf('.');
  if (dot <= 0) throw new PairError(`${sourceName}: name tables as <schema>.<table>`);
  return [sourceName.slice(0, dot), sourceName.slice(dot + 1)];
}

/** The Databend table a source table replicates into. */
export function targetOf(config: Config, sourceName: string): string {
  const [schema, table] = splitName(sourceName);
  return routeTable(config.tables, schema, table).target;
}

export function pairTable(
  config: Config,
  sourceName: string,
  sourceColumns: readonly SourceColumn[],
  odsTypes: ReadonlyMap<string, string> | undefined,
): TablePair {
  const [schema, table] = splitName(sourceName);
  const route = routeTable(config.tables, schema, table);
  if (route.primaryKey === undefined || route.primaryKey.length === 0)
    throw new PairError(`${sourceName}: no primary key configured, so it has no ODS to compare`);
  if (sourceColumns.length === 0) throw new PairError(`${sourceName}: not found at the source`);
  if (odsTypes === undefined)
    throw new PairError(`${sourceName}: ODS table ${route.target} does not exist yet`);
  const bySource = new Map(sourceColumns.map((c) => [c.name, c]));
  const compared = (name: string): ComparedColumn => {
    const source = bySource.get(name);
    const odsType = odsTypes.get(name);
    if (source === undefined || odsType === undefined)
      throw new PairError(`${sourceName}: key column ${name} is missing on one side`);
    return { name, kind: columnKind(odsType, source.dataType), odsType, source };
  };
  const keyNames = route.primaryKey;
  const others = sourceColumns
    .filter((c) => !keyNames.includes(c.name) && odsTypes.has(c.name))
    .map((c) => compared(c.name));
  const key = keyNames.map(compared);
  return {
    name: sourceName,
    schema,
    table,
    target: route.target,
    key: key.map((k) => ({ name: k.name, kind: k.kind })),
    columns: [...key, ...others],
    sourceOnly: sourceColumns.filter((c) => !odsTypes.has(c.name)).map((c) => c.name),
    odsOnly: [...odsTypes.keys()].filter(
      (name) =>
        !bySource.has(name) &&
        !ODS_STATE_COLUMNS.has(name) &&
        // DMS's own columns are not the source's.
        name !== config.dms.timestampColumn &&
        name !== config.dms.sourceSeqColumn,
    ),
  };
}
