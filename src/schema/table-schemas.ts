/**
 * Keeps a table's raw and ODS schema in step with the files about to be loaded: creates the
 * tables from the first file, adds new columns, widens types, and refuses incompatible changes.
 * Runs before the batch transaction (DDL would commit it). Known columns are cached per table
 * and read again only when a file differs from them: the table may have changed meanwhile (an
 * operator widened a column to resolve a pause, or another process evolved it), so a change is
 * always decided against the table as it is.
 */
import type { SqlSession } from '../databend/session-pool.js';
import { diffSchema, type TableColumn } from './schema-diff.js';
import {
  alterTableSql,
  createDatabaseSql,
  createOdsTableSql,
  createRawTableSql,
  lastBusinessColumn,
  odsBusinessColumns,
  rawBusinessColumns,
  readTableColumns,
  RESERVED_COLUMN_NAMES,
  type TableLayout,
} from './table-ddl.js';
import type { MappedColumn, UnsupportedColumn } from './type-map.js';

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

export type EnsureResult =
  | {
      readonly ok: true;
      readonly raw: readonly TableColumn[];
      readonly ods: readonly TableColumn[] | undefined;
    }
  | { readonly ok: false; readonly file: string; readonly message: string };

interface Known {
  raw: TableColumn[];
  ods: TableColumn[] | undefined;
}

export class TableSchemas {
  private readonly known = new Map<string, Known>();
  private readonly databases = new Set<string>();

  constructor(private readonly layout: TableLayout) {}

  async ensure(
    session: SqlSession,
    target: TableTarget,
    files: readonly FileColumns[],
  ): Promise<EnsureResult> {
    let known = this.known.get(target.table) ?? (await this.read(session, target));
    // Forgotten until this call succeeds: a failure (incompatible file, failed DDL) leaves the
    // cache unknown, so the next attempt reads the table as the operator or the DDL left it.
    this.known.delete(target.table);
    const rawOnly = new Set(target.rawOnlyColumns ?? []);
    for (const file of files) {
      const raw = await this.evolve(
        session,
        'raw',
        target.rawDatabase,
        target.table,
        known.raw,
        rawBusinessColumns(file.columns, this.layout),
        file,
      );
      if (!raw.ok) return raw;
      let ods = known.ods;
      if (target.withOds) {
        const result = await this.evolve(
          session,
          'ods',
          target.odsDatabase,
          target.table,
          ods,
          odsBusinessColumns(file.columns, this.layout).filter((c) => !rawOnly.has(c.name)),
          file,
        );
        if (!result.ok) return result;
        ods = result.columns;
      }
      known = { raw: raw.columns, ods };
    }
    this.known.set(target.table, known);
    return { ok: true, raw: known.raw, ods: known.ods };
  }

  private async read(session: SqlSession, target: TableTarget): Promise<Known> {
    return {
      raw: await this.columnsOf(session, target.rawDatabase, target.table),
      ods: target.withOds
        ? await this.columnsOf(session, target.odsDatabase, target.table)
        : undefined,
    };
  }

  private async evolve(
    session: SqlSession,
    layer: 'raw' | 'ods',
    database: string,
    table: string,
    current: readonly TableColumn[] | undefined,
    wanted: readonly TableColumn[],
    file: FileColumns,
  ): Promise<{ ok: true; columns: TableColumn[] } | { ok: false; file: string; message: string }> {
    const diffWith = (columns: readonly TableColumn[]) =>
      diffSchema({
        table: `${database}.${table}`,
        file: file.key,
        tableColumns: columns,
        fileColumns: wanted,
        unsupported: file.unsupported,
        reservedColumns: RESERVED_COLUMN_NAMES,
      });
    if (current === undefined || current.length === 0) {
      // The first file is held to the same rules as later ones (owned names, duplicates,
      // unloadable types), against an empty table.
      const first = diffWith([]);
      if (first.kind === 'incompatible')
        return { ok: false, file: file.key, message: first.message };
      await this.ensureDatabase(session, database);
      const create = layer === 'raw' ? createRawTableSql : createOdsTableSql;
      await session.exec(create(database, table, wanted));
      return { ok: true, columns: await this.columnsOf(session, database, table) };
    }
    if (diffWith(current).kind === 'none') return { ok: true, columns: [...current] };
    // The file differs from what we knew: decide against the table as it is now.
    const fresh = await this.columnsOf(session, database, table);
    if (fresh.length === 0)
      return this.evolve(session, layer, database, table, fresh, wanted, file);
    const diff = diffWith(fresh);
    if (diff.kind === 'none') return { ok: true, columns: fresh };
    if (diff.kind === 'incompatible') return { ok: false, file: file.key, message: diff.message };
    for (const sql of alterTableSql(database, table, diff, lastBusinessColumn(fresh)))
      await session.exec(sql);
    return { ok: true, columns: await this.columnsOf(session, database, table) };
  }

  private async ensureDatabase(session: SqlSession, database: string): Promise<void> {
    if (this.databases.has(database)) return;
    await session.exec(createDatabaseSql(database));
    this.databases.add(database);
  }

  private async columnsOf(
    session: SqlSession,
    database: string,
    table: string,
  ): Promise<TableColumn[]> {
    const query = {
      queryAll: async (sql: string) =>
        (await session.query(sql)).map((row) => ({ data: () => row })),
    };
    return (await readTableColumns(query, database, table)) ?? [];
  }
}
