import type { MysqlType } from '../model/mysql-type.js';
import type { Table } from '../model/table.js';
import { DMS_STRING_LAYOUT, parquetLayout, type ParquetLayout } from './parquet-types.js';
import type { DmsSettings } from './settings.js';

export type ColumnRole = 'op' | 'timestamp' | 'data' | 'change-seq' | 'before-image';

/** One column of a DMS Parquet file, in file order. */
export interface FileColumn {
  readonly name: string;
  readonly role: ColumnRole;
  /** For data and before-image columns, the source column they carry. */
  readonly source: string | null;
  /** For data and before-image columns, the source column's MySQL type. */
  readonly mysqlType: MysqlType | null;
  readonly layout: ParquetLayout;
  /** REQUIRED (false) or OPTIONAL (true) in the Parquet schema. */
  readonly nullable: boolean;
}

/**
 * The columns of a file, in DMS's order: `Op` (CDC files, and full-load files with
 * IncludeOpForFullLoad), the timestamp column (REQUIRED), the table's columns in table order
 * (all OPTIONAL, as in real DMS files, even key columns), then columns added by
 * transformation rules: `$AR_H_CHANGE_SEQ`, then the before-image key columns.
 */
export function fileColumns(table: Table, kind: 'load' | 'cdc', s: DmsSettings): FileColumn[] {
  const out: FileColumn[] = [];
  if (kind === 'cdc' || s.includeOpForFullLoad) {
    // The Op column's Parquet type was never seen in a sample; OPTIONAL UTF8 is our choice.
    out.push(dmsColumn('Op', 'op', true));
  }
  if (s.timestampColumnName !== null) {
    out.push(dmsColumn(s.timestampColumnName, 'timestamp', false));
  }
  for (const c of table.columns) {
    out.push({
      name: c.name,
      role: 'data',
      source: c.name,
      mysqlType: c.type,
      layout: parquetLayout(c.type, s),
      nullable: true,
    });
  }
  if (s.changeSeqColumn !== null) out.push(dmsColumn(s.changeSeqColumn, 'change-seq', true));
  if (s.beforeImagePrefix !== null) {
    for (const key of table.primaryKey) {
      const c = table.columns.find((col) => col.name === key);
      if (c === undefined) throw new Error(`Key column ${key} missing from ${table.name}`);
      out.push({
        name: `${s.beforeImagePrefix}${key}`,
        role: 'before-image',
        source: key,
        mysqlType: c.type,
        layout: parquetLayout(c.type, s),
        nullable: true,
      });
    }
  }
  const names = new Set<string>();
  for (const c of out) {
    if (names.has(c.name))
      throw new Error(`Column ${c.name} of ${table.name} clashes with a DMS column`);
    names.add(c.name);
  }
  return out;
}

function dmsColumn(name: string, role: ColumnRole, nullable: boolean): FileColumn {
  return { name, role, source: null, mysqlType: null, layout: DMS_STRING_LAYOUT, nullable };
}
