import { parseMysqlType, type MysqlType } from './mysql-type.js';

/** A column as a caller writes it: a name and a MySQL type in SQL spelling. */
export interface ColumnDef {
  readonly name: string;
  /** e.g. `'bigint unsigned'`, `'decimal(40,10)'`, `"enum('new','paid')"`. */
  readonly type: string;
  /** Defaults to true, except for primary-key columns, which are never NULL. */
  readonly nullable?: boolean;
}

/** A source table as a caller writes it. */
export interface TableDef {
  /** The MySQL database; DMS calls it the schema and uses it as a folder name. */
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** One or more column names. */
  readonly primaryKey: readonly string[];
}

export interface Column {
  readonly name: string;
  readonly typeText: string;
  readonly type: MysqlType;
  readonly nullable: boolean;
}

/** A validated table with parsed column types. */
export interface Table {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
}

/**
 * A row in canonical form: every value is the canonical string of its MySQL type (see
 * sim/README.md), or null. Canonical strings make the truth, the change stream and the ODS
 * comparison speak one language with no float or 64-bit precision loss.
 */
export type Row = Readonly<Record<string, string | null>>;

/** Validates a table definition and parses its column types. */
export function defineTable(def: TableDef): Table {
  if (def.name === '' || def.schema === '') throw new Error('A table needs a schema and a name');
  const seen = new Set<string>();
  for (const column of def.columns) {
    if (seen.has(column.name)) throw new Error(`Duplicate column ${column.name} in ${def.name}`);
    seen.add(column.name);
  }
  if (def.primaryKey.length === 0) throw new Error(`Table ${def.name} needs a primary key`);
  for (const key of def.primaryKey) {
    if (!seen.has(key)) throw new Error(`Primary key column ${key} is not a column of ${def.name}`);
  }
  const columns = def.columns.map((c) => toColumn(c, def.primaryKey.includes(c.name)));
  for (const c of columns) {
    if (def.primaryKey.includes(c.name) && !isKeyable(c.type)) {
      throw new Error(`Column ${c.name} of type ${c.typeText} cannot be part of a generated key`);
    }
  }
  return { schema: def.schema, name: def.name, columns, primaryKey: [...def.primaryKey] };
}

function toColumn(def: ColumnDef, inKey: boolean): Column {
  return {
    name: def.name,
    typeText: def.type,
    type: parseMysqlType(def.type),
    nullable: inKey ? false : (def.nullable ?? true),
  };
}

/** Key columns are generated from counters, so they must be integers or strings. */
function isKeyable(type: MysqlType): boolean {
  return type.kind === 'integer' || type.kind === 'text';
}

/** The table after `ALTER TABLE … ADD COLUMN`: MySQL (and DMS) put the column last. */
export function withAddedColumn(table: Table, column: ColumnDef): Table {
  if (table.columns.some((c) => c.name === column.name)) {
    throw new Error(`Column ${column.name} already exists in ${table.name}`);
  }
  return { ...table, columns: [...table.columns, toColumn(column, false)] };
}

/** A stable identity for a row's primary key: the JSON array of its key values. */
export function keyOf(table: Table, row: Row): string {
  return JSON.stringify(table.primaryKey.map((k) => row[k] ?? null));
}

/** Key values of a row, in primary-key order. */
export function keyValues(table: Table, row: Row): (string | null)[] {
  return table.primaryKey.map((k) => row[k] ?? null);
}

/** `<schema>.<table>`, the name used to address a table in maps and reports. */
export function qualifiedName(table: { readonly schema: string; readonly name: string }): string {
  return `${table.schema}.${table.name}`;
}
