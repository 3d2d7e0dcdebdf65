import { keyOf, qualifiedName, type Row, type Table } from '../model/table.js';
import type { Change } from './changes.js';
import type { Truth } from './truth.js';

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The `_seq` order of DESIGN.md contract item 2, as a comparator over two changes of one
 * table: the timestamp cut to whole seconds; full-load before CDC within that second; the
 * full timestamp; the source sequence column; the file (full-load files by name, CDC files by
 * name); the row's position. Without a timestamp column it starts at the kind of file.
 */
export function compareSeq(a: Change, b: Change): number {
  if (a.timestamp !== null && b.timestamp !== null) {
    const bySecond = compareText(a.timestamp.slice(0, 19), b.timestamp.slice(0, 19));
    if (bySecond !== 0) return bySecond;
  }
  const byKind = (a.fileKind === 'load' ? 0 : 1) - (b.fileKind === 'load' ? 0 : 1);
  if (byKind !== 0) return byKind;
  if (a.timestamp !== null && b.timestamp !== null) {
    const byTimestamp = compareText(a.timestamp, b.timestamp);
    if (byTimestamp !== 0) return byTimestamp;
  }
  const bySourceSeq = compareText(a.changeSeq ?? '', b.changeSeq ?? '');
  if (bySourceSeq !== 0) return bySourceSeq;
  const byFile = compareText(a.fileName, b.fileName);
  if (byFile !== 0) return byFile;
  return a.position - b.position;
}

/**
 * Applies the changes in `_seq` order the way the ODS does: I/U upsert the row (columns the
 * file lacks become NULL), D removes the key, and an UPDATE whose before-image key differs
 * also removes the old key. Returns the resulting state per table; `tables` gives the final
 * table definitions (for columns and keys).
 */
export function replay(changes: readonly Change[], tables: readonly Table[]): Truth {
  const byName = new Map(tables.map((t) => [qualifiedName(t), t]));
  const state = new Map<string, Map<string, Row>>();
  const sorted = [...changes].sort((a, b) =>
    a.table === b.table ? compareSeq(a, b) : compareText(a.table, b.table),
  );
  for (const change of sorted) {
    const table = byName.get(change.table);
    if (table === undefined) throw new Error(`Change for unknown table ${change.table}`);
    const rows = state.get(change.table) ?? new Map<string, Row>();
    state.set(change.table, rows);
    const key = keyOf(table, change.row);
    if (change.op === 'D') {
      rows.delete(key);
      continue;
    }
    if (change.op === 'U' && change.beforeImage !== null) {
      const oldKey = keyOf(table, change.beforeImage);
      if (oldKey !== key) rows.delete(oldKey);
    }
    const full: Record<string, string | null> = {};
    for (const c of table.columns) full[c.name] = change.row[c.name] ?? null;
    rows.set(key, full);
  }
  const out = new Map<string, { table: Table; rows: ReadonlyMap<string, Row> }>();
  for (const [name, table] of byName) out.set(name, { table, rows: state.get(name) ?? new Map() });
  return out;
}
