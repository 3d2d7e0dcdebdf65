/**
 * Keeps a table's raw and ODS schema in step with the files about to be loaded: creates the
 * tables from the first file, adds new columns, widens types, and refuses incompatible changes.
 * Runs before the batch transaction (DDL would commit it). Known columns are cached per table
 * and read again only when a file differs from them: the table may have changed meanwhile (an
 * operator widened a column to resolve a pause, or another process evolved it), so a change is
 * always decided against the table as it is.
 */
import type { SqlSession } from '../databend/session-pool.js';
import type { TableColumn } from './schema-diff.js';
import {
  isCreateDatabase,
  planLayer,
  wantedColumns,
  type FileColumns,
  type LayerInput,
  type SchemaRefusal,
  type TableTarget,
} from './schema-plan.js';
import { createDatabaseSql, readTableColumns, type TableLayout } from './table-ddl.js';

export type EnsureResult =
  | {
      readonly ok: true;
      readonly raw: readonly TableColumn[];
      readonly ods: readonly TableColumn[] | undefined;
    }
  | SchemaRefusal;

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
    for (const file of files) {
      const wanted = wantedColumns(target, this.layout, file);
      const base = { table: target.table, file };
      const raw = await this.evolve(session, {
        ...base,
        layer: 'raw',
        database: target.rawDatabase,
        current: known.raw,
        wanted: wanted.raw,
      });
      if (!raw.ok) return raw;
      let ods = known.ods;
      if (target.withOds) {
        const result = await this.evolve(session, {
          ...base,
          layer: 'ods',
          database: target.odsDatabase,
          current: ods ?? [],
          wanted: wanted.ods,
        });
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

  /** Plans with what we knew; when the file does not fit it, plans again with the table as it is. */
  private async evolve(
    session: SqlSession,
    input: LayerInput,
  ): Promise<{ ok: true; columns: TableColumn[] } | SchemaRefusal> {
    let current = input.current;
    if (current.length > 0) {
      const cached = planLayer(input);
      if (cached.ok && cached.statements.length === 0) return { ok: true, columns: [...current] };
      // The file differs from what we knew: decide against the table as it is now.
      current = await this.columnsOf(session, input.database, input.table);
    }
    const step = planLayer({ ...input, current });
    if (!step.ok) return step;
    if (step.statements.length === 0) return { ok: true, columns: [...current] };
    for (const sql of step.statements) {
      if (isCreateDatabase(sql)) await this.ensureDatabase(session, input.database);
      else await session.exec(sql);
    }
    return { ok: true, columns: await this.columnsOf(session, input.database, input.table) };
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
