/**
 * What `status` says about a table's trouble, beside its loading figures: files held while it is
 * paused (`<control>.held_files`) and its last error (`<control>.table_errors`). Pure; status.ts
 * reads the rows.
 */
import { numeric, text, timestampFromText } from '../databend/rows.js';
import type { Row } from '../databend/session-pool.js';
import type { TableError } from '../control/table-errors-sql.js';
import type { TableStatus } from './status-format.js';

/** Adds held files (rows of heldSummarySql) and last errors; tables known only from them too. */
export function withHeldAndErrors(
  tables: readonly TableStatus[],
  heldRows: readonly Row[],
  errors: readonly TableError[],
): TableStatus[] {
  const held = new Map(
    heldRows.map((row) => [
      text(row, 'table_name'),
      {
        files: numeric(row, 'files'),
        oldestEventTime: timestampFromText(text(row, 'oldest_event_time')),
      },
    ]),
  );
  const lastErrors = new Map(errors.map((e) => [e.table, e]));
  const byName = new Map(tables.map((t) => [t.table, t]));
  for (const name of [...held.keys(), ...lastErrors.keys()])
    if (!byName.has(name)) byName.set(name, { table: name, paused: false, files: 0, rows: 0 });
  return [...byName.values()]
    .sort((a, b) => a.table.localeCompare(b.table))
    .map((t) => {
      const h = held.get(t.table);
      const e = lastErrors.get(t.table);
      return {
        ...t,
        heldFiles: h?.files ?? 0,
        ...(h === undefined ? {} : { oldestHeldEventTime: h.oldestEventTime }),
        ...(e === undefined ? {} : { lastError: { kind: e.kind, message: e.message, at: e.at } }),
      };
    });
}
