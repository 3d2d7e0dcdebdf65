import type { Row, Table } from '../model/table.js';

/** The source's state for one table: its definition and its live rows by primary key. */
export interface TableTruth {
  readonly table: Table;
  /** Keyed by `keyOf(table, row)` (the JSON array of key values). */
  readonly rows: ReadonlyMap<string, Row>;
}

/** The source's state for every table, keyed by `<schema>.<table>`. */
export type Truth = ReadonlyMap<string, TableTruth>;
