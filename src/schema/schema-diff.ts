/**
 * Decides what a table needs before a file can be loaded into it: nothing, new columns, wider
 * columns, or nothing we may do safely (the table must pause). Pure: the caller reads the table's
 * columns and the file's footer, and applies the result with table-ddl.ts.
 *
 * Names are compared exactly, as Databend compares quoted identifiers (case-sensitive by
 * default): a table may hold both `Id` and `id`. A file column that matches no table column
 * exactly but one case-insensitively is refused rather than added as a second column, because it
 * is almost certainly a source rename (MySQL column names are case-insensitive) and adding it
 * would silently strand the old column's data. Lineage and state columns the service owns are
 * reserved case-insensitively for the same reason.
 */

import {
  MAX_DECIMAL_PRECISION,
  formatDatabendType,
  sameDatabendType,
  type DatabendType,
  type IntegerBits,
} from './databend-type.js';
import type { UnsupportedColumn } from './type-map.js';

const INTEGER_BITS: readonly IntegerBits[] = [8, 16, 32, 64];

export interface TableColumn {
  readonly name: string;
  readonly type: DatabendType;
}

export interface ColumnWidening {
  readonly name: string;
  readonly from: DatabendType;
  readonly to: DatabendType;
}

export type ConflictReason = 'type' | 'case' | 'reserved' | 'duplicate' | 'unsupported';

export interface ColumnConflict {
  readonly column: string;
  readonly reason: ConflictReason;
  /** The table's type (SQL spelling), when the table has the column. */
  readonly tableType?: string;
  /** The type the file needs (SQL spelling), when it maps to one. */
  readonly fileType?: string;
  readonly message: string;
}

export type SchemaDiff =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'change';
      /** New columns, in file order; created NULL. */
      readonly add: readonly TableColumn[];
      readonly widen: readonly ColumnWidening[];
    }
  | {
      readonly kind: 'incompatible';
      readonly table: string;
      readonly file: string;
      readonly conflicts: readonly ColumnConflict[];
      /** One line naming the table, the file and every conflict, for logs and pause state. */
      readonly message: string;
    };

export interface SchemaDiffInput {
  /** The table as it should appear in messages, e.g. `raw.orders`. */
  readonly table: string;
  /** The file as it should appear in messages, e.g. its S3 key. */
  readonly file: string;
  readonly tableColumns: readonly TableColumn[];
  /** The columns the file brings, already through the type map (and the table layout). */
  readonly fileColumns: readonly TableColumn[];
  /** Columns of the file the type map refused. */
  readonly unsupported?: readonly UnsupportedColumn[];
  /** Names the service owns in this table (lineage, state); a file may not bring them. */
  readonly reservedColumns?: readonly string[];
}

/** Why a file column may not be loaded whatever the table holds: its name alone rules it out. */
function refusedName(
  name: string,
  seen: ReadonlySet<string>,
  reserved: ReadonlySet<string>,
): { readonly reason: ConflictReason; readonly why: string } | undefined {
  if (seen.has(name)) return { reason: 'duplicate', why: 'appears more than once in the file' };
  if (reserved.has(name.toLowerCase())) {
    return { reason: 'reserved', why: 'collides with a column the replicator owns' };
  }
  return undefined;
}

export function diffSchema(input: SchemaDiffInput): SchemaDiff {
  const existing = new Map(input.tableColumns.map((c) => [c.name, c.type]));
  const existingByLower = new Map(input.tableColumns.map((c) => [c.name.toLowerCase(), c.name]));
  const reserved = new Set((input.reservedColumns ?? []).map((n) => n.toLowerCase()));
  const conflicts: ColumnConflict[] = [];
  const add: TableColumn[] = [];
  const widen: ColumnWidening[] = [];
  const seen = new Set<string>();

  for (const { name, reason } of input.unsupported ?? []) {
    const tableType = existing.get(name);
    conflicts.push({
      column: name,
      reason: 'unsupported',
      ...(tableType === undefined ? {} : { tableType: formatDatabendType(tableType) }),
      message: `column ${JSON.stringify(name)} cannot be loaded: ${reason}`,
    });
  }

  for (const column of input.fileColumns) {
    const { name, type } = column;
    const fileType = formatDatabendType(type);
    const refusal = refusedName(name, seen, reserved);
    seen.add(name);
    if (refusal !== undefined) {
      conflicts.push({
        column: name,
        reason: refusal.reason,
        fileType,
        message: `column ${JSON.stringify(name)} ${refusal.why}`,
      });
      continue;
    }
    const current = existing.get(name);
    if (current === undefined) {
      const other = existingByLower.get(name.toLowerCase());
      if (other !== undefined) {
        conflicts.push({
          column: name,
          reason: 'case',
          fileType,
          message:
            `column ${JSON.stringify(name)} differs only in case from existing column ` +
            `${JSON.stringify(other)} (a rename at the source?)`,
        });
      } else {
        add.push(column);
      }
      continue;
    }
    const joined = widestOf(current, type);
    if (joined === undefined) {
      const tableType = formatDatabendType(current);
      conflicts.push({
        column: name,
        reason: 'type',
        tableType,
        fileType,
        message: `column ${JSON.stringify(name)} is ${tableType} in the table but ${fileType} in the file`,
      });
    } else if (!sameDatabendType(joined, current)) {
      widen.push({ name, from: current, to: joined });
    }
  }

  if (conflicts.length > 0) {
    const details = conflicts.map((c) => c.message).join('; ');
    return {
      kind: 'incompatible',
      table: input.table,
      file: input.file,
      conflicts,
      message: `table ${input.table} cannot load ${input.file}: ${details}`,
    };
  }
  if (add.length === 0 && widen.length === 0) {
    return { kind: 'none' };
  }
  return { kind: 'change', add, widen };
}

/**
 * The narrowest type that holds every value of both, if widening to it is safe: integers widen
 * within signedness and unsigned into a wider signed type; FLOAT into DOUBLE; DECIMAL keeps the
 * larger integer part and the larger scale. Anything else (e.g. VARCHAR and INT) has no join.
 */
export function widestOf(a: DatabendType, b: DatabendType): DatabendType | undefined {
  if (sameDatabendType(a, b)) {
    return a;
  }
  if (a.kind === 'integer' && b.kind === 'integer') {
    if (a.signed === b.signed) {
      return a.bits >= b.bits ? a : b;
    }
    const [signed, unsigned] = a.signed ? [a, b] : [b, a];
    // A signed type holds an unsigned one only when it has more bits.
    const needed = Math.max(signed.bits, unsigned.bits * 2);
    const bits = INTEGER_BITS.find((width) => width >= needed);
    return bits === undefined ? undefined : { kind: 'integer', bits, signed: true };
  }
  if ((a.kind === 'float' && b.kind === 'double') || (a.kind === 'double' && b.kind === 'float')) {
    return { kind: 'double' };
  }
  if (a.kind === 'decimal' && b.kind === 'decimal') {
    const scale = Math.max(a.scale, b.scale);
    const integerDigits = Math.max(a.precision - a.scale, b.precision - b.scale);
    const precision = integerDigits + scale;
    return precision <= MAX_DECIMAL_PRECISION ? { kind: 'decimal', precision, scale } : undefined;
  }
  return undefined;
}
