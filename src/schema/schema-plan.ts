/**
 * The one schema planner: given a table's current columns and the columns a file wants, the DDL
 * that brings the table there, the columns it then has, or why the file cannot be followed. Pure:
 * the service (TableSchemas), `plan` and `replay` all decide with it, so what `plan` prints is
 * what the service runs, and a file `plan` calls fine is one the service loads.
 */
import { diffSchema, type TableColumn } from './schema-diff.js';
import {
  alterTableSql,
  createDatabaseSql,
  createOdsTableSql,
  createRawTableSql,
  lastBusinessColumn,
  ODS_STATE_COLUMNS,
  odsBusinessColumns,
  RAW_LINEAGE_COLUMNS,
  rawBusinessColumns,
  RESERVED_COLUMN_NAMES,
  type TableLayout,
} from './table-ddl.js';
import type { MappedColumn, UnsupportedColumn } from './type-map.js';

/** A file's columns as the type map gave them. */
export interface FileColumns {
  readonly key: string;
  readonly columns: readonly MappedColumn[];
  readonly unsupported: readonly UnsupportedColumn[];
}

export interface TableTarget {
  readonly rawDatabase: string;
  readonly odsDatabase: string;
  readonly table: string;
  /** Whether the table has an ODS (a primary key is configured). */
  readonly withOds: boolean;
  /** File columns kept in raw only, never made ODS columns (e.g. before-image key columns). */
  readonly rawOnlyColumns?: readonly string[];
}

/** A file the schema cannot follow: the table pauses on it. */
export interface SchemaRefusal {
  readonly ok: false;
  readonly file: string;
  readonly message: string;
}

export type LayerPlan =
  | {
      readonly ok: true;
      /** Empty when the table already fits; a new table starts with its CREATE DATABASE. */
      readonly statements: readonly string[];
      /** The table's columns once the statements ran. */
      readonly columns: readonly TableColumn[];
    }
  | SchemaRefusal;

export interface LayerInput {
  readonly layer: 'raw' | 'ods';
  readonly database: string;
  readonly table: string;
  /** Empty when the table does not exist. */
  readonly current: readonly TableColumn[];
  /** The business columns the file needs in this layer. */
  readonly wanted: readonly TableColumn[];
  /** Which file asks (named in refusals) and the columns it has that cannot load. */
  readonly file: Pick<FileColumns, 'key' | 'unsupported'>;
}

/** One layer (raw or ODS) for one file. */
export function planLayer(input: LayerInput): LayerPlan {
  const { layer, database, table, current, wanted, file } = input;
  // The first file is held to the same rules as later ones (owned names, duplicates, unloadable
  // types), against an empty table.
  const diff = diffSchema({
    table: `${database}.${table}`,
    file: file.key,
    tableColumns: current,
    fileColumns: wanted,
    unsupported: file.unsupported,
    reservedColumns: RESERVED_COLUMN_NAMES,
  });
  if (diff.kind === 'incompatible') return { ok: false, file: file.key, message: diff.message };
  if (current.length === 0) {
    const create = layer === 'raw' ? createRawTableSql : createOdsTableSql;
    const tail = layer === 'raw' ? RAW_LINEAGE_COLUMNS : ODS_STATE_COLUMNS;
    return {
      ok: true,
      statements: [createDatabaseSql(database), create(database, table, wanted)],
      columns: [...wanted, ...tail],
    };
  }
  if (diff.kind === 'none') return { ok: true, statements: [], columns: current };
  const anchor = lastBusinessColumn(current);
  const widened = current.map((c) => {
    const w = diff.widen.find((x) => x.name === c.name);
    return w === undefined ? c : { name: c.name, type: w.to };
  });
  // New columns go after the last business column, before lineage/state columns.
  const cut = anchor === undefined ? 0 : widened.findIndex((c) => c.name === anchor) + 1;
  return {
    ok: true,
    statements: alterTableSql(database, table, diff, anchor),
    columns: [...widened.slice(0, cut), ...diff.add, ...widened.slice(cut)],
  };
}

/** The business columns a file needs in raw and (without raw-only columns) in ODS. */
export function wantedColumns(
  target: TableTarget,
  layout: TableLayout,
  file: FileColumns,
): { readonly raw: TableColumn[]; readonly ods: TableColumn[] } {
  const rawOnly = new Set(target.rawOnlyColumns ?? []);
  return {
    raw: rawBusinessColumns(file.columns, layout),
    ods: odsBusinessColumns(file.columns, layout).filter((c) => !rawOnly.has(c.name)),
  };
}

export type BatchSchemaPlan =
  | {
      readonly ok: true;
      /** In order; a database's CREATE appears once. */
      readonly statements: readonly string[];
      readonly raw: readonly TableColumn[];
      /** Undefined for a table without ODS. */
      readonly ods: readonly TableColumn[] | undefined;
    }
  | SchemaRefusal;

/** Raw and ODS of one table, file after file (in DMS order), from their current columns. */
export function planBatchSchema(
  target: TableTarget,
  layout: TableLayout,
  current: { readonly raw: readonly TableColumn[]; readonly ods: readonly TableColumn[] },
  files: readonly FileColumns[],
): BatchSchemaPlan {
  const statements: string[] = [];
  const columns = { raw: current.raw, ods: current.ods };
  const layers = target.withOds ? (['raw', 'ods'] as const) : (['raw'] as const);
  for (const file of files) {
    const wanted = wantedColumns(target, layout, file);
    for (const layer of layers) {
      const step = planLayer({
        table: target.table,
        file,
        layer,
        database: layer === 'raw' ? target.rawDatabase : target.odsDatabase,
        current: columns[layer],
        wanted: wanted[layer],
      });
      if (!step.ok) return step;
      statements.push(...step.statements);
      columns[layer] = step.columns;
    }
  }
  return {
    ok: true,
    statements: statements.filter(
      (sql, i) => !isCreateDatabase(sql) || statements.indexOf(sql) === i,
    ),
    raw: columns.raw,
    ods: target.withOds ? columns.ods : undefined,
  };
}

export function isCreateDatabase(sql: string): boolean {
  return sql.startsWith('CREATE DATABASE');
}
