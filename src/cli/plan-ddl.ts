/**
 * The schema statements a batch would run before its transaction, predicted without running
 * them: what TableSchemas.ensure does, as a pure function of the tables' current columns and the
 * files' columns, built with the same builders (table-ddl.ts, schema-diff.ts).
 */
import type { TableColumn } from '../schema/schema-diff.js';
import { diffSchema } from '../schema/schema-diff.js';
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
} from '../schema/table-ddl.js';
import type { FileColumns, TableTarget } from '../schema/table-schemas.js';

export type DdlPlan =
  | {
      readonly ok: true;
      readonly statements: readonly string[];
      /** ODS columns after the statements (undefined for a raw-only table). */
      readonly odsColumns: readonly string[] | undefined;
    }
  | { readonly ok: false; readonly file: string; readonly message: string };

export function planSchemaDdl(
  target: TableTarget,
  layout: TableLayout,
  current: { readonly raw: readonly TableColumn[]; readonly ods: readonly TableColumn[] },
  files: readonly FileColumns[],
): DdlPlan {
  const statements: string[] = [];
  let raw = [...current.raw];
  let ods = [...current.ods];
  for (const file of files) {
    const rawStep = evolve(
      'raw',
      target.rawDatabase,
      target.table,
      raw,
      rawBusinessColumns(file.columns, layout),
      file,
    );
    if (!rawStep.ok) return rawStep;
    statements.push(...rawStep.statements);
    raw = rawStep.columns;
    if (target.withOds) {
      const odsStep = evolve(
        'ods',
        target.odsDatabase,
        target.table,
        ods,
        odsBusinessColumns(file.columns, layout),
        file,
      );
      if (!odsStep.ok) return odsStep;
      statements.push(...odsStep.statements);
      ods = odsStep.columns;
    }
  }
  return {
    ok: true,
    statements: dedupe(statements),
    odsColumns: target.withOds ? ods.map((c) => c.name) : undefined,
  };
}

type Step =
  | { ok: true; statements: string[]; columns: TableColumn[] }
  | { ok: false; file: string; message: string };

function evolve(
  layer: 'raw' | 'ods',
  database: string,
  table: string,
  current: readonly TableColumn[],
  wanted: readonly TableColumn[],
  file: FileColumns,
): Step {
  if (current.length === 0) {
    const create = layer === 'raw' ? createRawTableSql : createOdsTableSql;
    const tail = layer === 'raw' ? RAW_LINEAGE_COLUMNS : ODS_STATE_COLUMNS;
    return {
      ok: true,
      statements: [createDatabaseSql(database), create(database, table, wanted)],
      columns: [...wanted, ...tail],
    };
  }
  const diff = diffSchema({
    table: `${database}.${table}`,
    file: file.key,
    tableColumns: current,
    fileColumns: wanted,
    unsupported: file.unsupported,
    reservedColumns: RESERVED_COLUMN_NAMES,
  });
  if (diff.kind === 'none') return { ok: true, statements: [], columns: [...current] };
  if (diff.kind === 'incompatible') return { ok: false, file: file.key, message: diff.message };
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

/** The same CREATE DATABASE for raw and ODS of one plan is printed once. */
function dedupe(statements: readonly string[]): string[] {
  return statements.filter(
    (sql, i) => !sql.startsWith('CREATE DATABASE') || statements.indexOf(sql) === i,
  );
}
