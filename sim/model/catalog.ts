import type { ColumnDef, TableDef } from './table.js';

/**
 * Built-in source tables for the CLI, the demo and the benchmarks. Together they cover every
 * MySQL type of the guide's Appendix B plus unsigned integers, DECIMAL above 18 digits, JSON,
 * ENUM/SET, TIME, BIT(1), TINYINT(1), BLOB and NULLs, with single and composite keys.
 */
const TEMPLATES: readonly Omit<TableDef, 'schema'>[] = [
  {
    name: 'customers',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'int unsigned' },
      { name: 'name', type: 'varchar(64)', nullable: false },
      { name: 'email', type: 'varchar(128)' },
      { name: 'is_active', type: 'tinyint(1)' },
      { name: 'vip', type: 'bit(1)' },
      { name: 'balance', type: 'decimal(12,2)' },
      { name: 'status', type: "enum('new','active','closed')" },
      { name: 'tags', type: "set('a','b','c')" },
      { name: 'prefs', type: 'json' },
      { name: 'birthday', type: 'date' },
      { name: 'created_at', type: 'datetime' },
      { name: 'updated_at', type: 'timestamp(6)' },
    ],
  },
  {
    name: 'orders',
    primaryKey: ['order_id'],
    columns: [
      { name: 'order_id', type: 'bigint' },
      { name: 'customer_id', type: 'int unsigned' },
      { name: 'amount', type: 'decimal(40,10)' },
      { name: 'total_cents', type: 'bigint unsigned' },
      { name: 'items', type: 'smallint' },
      { name: 'discount', type: 'float' },
      { name: 'weight', type: 'double' },
      { name: 'placed_at', type: 'datetime(6)' },
      { name: 'ship_window', type: 'time' },
      { name: 'note', type: 'text' },
    ],
  },
  {
    name: 'order_items',
    primaryKey: ['order_id', 'line_no'],
    columns: [
      { name: 'order_id', type: 'bigint' },
      { name: 'line_no', type: 'smallint unsigned' },
      { name: 'sku', type: 'char(12)' },
      { name: 'qty', type: 'mediumint' },
      { name: 'price', type: 'decimal(10,2)' },
      { name: 'gift_wrap', type: 'bool' },
      { name: 'attachment', type: 'blob' },
    ],
  },
  {
    name: 'all_types',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'int' },
      { name: 'c_tinyint', type: 'tinyint' },
      { name: 'c_tinyint_u', type: 'tinyint unsigned' },
      { name: 'c_tinyint1', type: 'tinyint(1)' },
      { name: 'c_smallint', type: 'smallint' },
      { name: 'c_smallint_u', type: 'smallint unsigned' },
      { name: 'c_mediumint', type: 'mediumint' },
      { name: 'c_mediumint_u', type: 'mediumint unsigned' },
      { name: 'c_int', type: 'int' },
      { name: 'c_int_u', type: 'int unsigned' },
      { name: 'c_bigint', type: 'bigint' },
      { name: 'c_bigint_u', type: 'bigint unsigned' },
      { name: 'c_decimal_small', type: 'decimal(9,4)' },
      { name: 'c_decimal', type: 'decimal(18,6)' },
      { name: 'c_decimal_wide', type: 'decimal(38,12)' },
      { name: 'c_decimal_huge', type: 'decimal(65,30)' },
      { name: 'c_float', type: 'float' },
      { name: 'c_double', type: 'double' },
      { name: 'c_date', type: 'date' },
      { name: 'c_datetime', type: 'datetime' },
      { name: 'c_datetime3', type: 'datetime(3)' },
      { name: 'c_datetime6', type: 'datetime(6)' },
      { name: 'c_timestamp', type: 'timestamp' },
      { name: 'c_timestamp6', type: 'timestamp(6)' },
      { name: 'c_time', type: 'time' },
      { name: 'c_time6', type: 'time(6)' },
      { name: 'c_year', type: 'year' },
      { name: 'c_char', type: 'char(10)' },
      { name: 'c_varchar', type: 'varchar(255)' },
      { name: 'c_tinytext', type: 'tinytext' },
      { name: 'c_text', type: 'text' },
      { name: 'c_mediumtext', type: 'mediumtext' },
      { name: 'c_longtext', type: 'longtext' },
      { name: 'c_enum', type: "enum('red','green','blue, or not')" },
      { name: 'c_set', type: "set('x','y','z')" },
      { name: 'c_json', type: 'json' },
      { name: 'c_binary', type: 'binary(4)' },
      { name: 'c_varbinary', type: 'varbinary(32)' },
      { name: 'c_tinyblob', type: 'tinyblob' },
      { name: 'c_blob', type: 'blob' },
      { name: 'c_mediumblob', type: 'mediumblob' },
      { name: 'c_longblob', type: 'longblob' },
      { name: 'c_bit1', type: 'bit(1)' },
      { name: 'c_bit64', type: 'bit(64)' },
    ],
  },
];

/** The names of the built-in tables, in the order `catalogTables(n)` takes them. */
export const CATALOG_TABLE_NAMES: readonly string[] = TEMPLATES.map((t) => t.name);

/**
 * The first `count` built-in tables under the given schema. Past the catalogue's end, tables
 * repeat with a numeric suffix (`customers_2`…) so benchmarks can ask for many tables.
 */
export function catalogTables(schema: string, count: number): TableDef[] {
  const out: TableDef[] = [];
  for (let i = 0; i < count; i++) {
    const template = TEMPLATES[i % TEMPLATES.length];
    if (template === undefined) break;
    const round = Math.floor(i / TEMPLATES.length);
    const name = round === 0 ? template.name : `${template.name}_${round + 1}`;
    out.push({ ...template, schema, name });
  }
  return out;
}

/** Built-in tables by name; a name may carry a `_N` suffix as produced by `catalogTables`. */
export function catalogTablesByName(schema: string, names: readonly string[]): TableDef[] {
  return names.map((name) => {
    const base = /^(.*?)(?:_(\d+))?$/.exec(name)?.[1] ?? name;
    const template =
      TEMPLATES.find((t) => t.name === name) ?? TEMPLATES.find((t) => t.name === base);
    if (template === undefined) {
      throw new Error(`Unknown table ${name}; built-in tables: ${CATALOG_TABLE_NAMES.join(', ')}`);
    }
    return { ...template, schema, name };
  });
}

/** The column `ALTER TABLE … ADD COLUMN` adds in the middle of the stream. */
export const ADDED_COLUMN: ColumnDef = { name: 'added_note', type: 'varchar(64)' };
