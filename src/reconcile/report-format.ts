/** `reconcile`'s output as text: one line per table, the differing keys, and a verdict. */
import type { KeyReport, ReconcileReport, TableReport } from './reconcile.js';

const MAX_KEYS_SHOWN = 20;

function keyList(label: string, table: string, keys: readonly KeyReport[]): string[] {
  const lines = keys
    .slice(0, MAX_KEYS_SHOWN)
    .map(
      (k) =>
        `  ${label.padEnd(15)} ${table}  key ${JSON.stringify(k.key)}` +
        (k.columns === undefined ? '' : `  columns ${k.columns.join(', ')}`),
    );
  if (keys.length > MAX_KEYS_SHOWN)
    lines.push(
      `  ${label.padEnd(15)} ${table}  … and ${keys.length - MAX_KEYS_SHOWN} more (--json lists all)`,
    );
  return lines;
}

function verdictOf(t: TableReport): string {
  if (t.status === 'error') return `error: ${t.error ?? ''}`;
  if (t.status === 'repaired') return 'repaired';
  if (t.status === 'in_flight') return 'in flight (not settled)';
  if (t.status === 'different' && t.repair?.applied === false) return 'different (repair planned)';
  return t.status;
}

export function formatReport(report: ReconcileReport): string[] {
  const header = [
    'table'.padEnd(28),
    'source rows'.padStart(12),
    'ods rows'.padStart(10),
    'chunks'.padStart(7),
    'differing'.padStart(10),
    'missing'.padStart(8),
    'extra'.padStart(6),
    'values'.padStart(7),
    'in flight'.padStart(10),
    '  verdict',
  ].join('');
  const lines = [header];
  for (const t of report.tables) {
    lines.push(
      [
        t.table.padEnd(28),
        String(t.sourceRows).padStart(12),
        String(t.odsRows).padStart(10),
        String(t.chunks).padStart(7),
        String(t.chunksDiffering).padStart(10),
        String(t.missingInOds.length).padStart(8),
        String(t.extraInOds.length).padStart(6),
        String(t.valuesDiffer.length).padStart(7),
        String(t.inFlight.length).padStart(10),
        `  ${verdictOf(t)}`,
      ].join(''),
    );
  }
  for (const t of report.tables) {
    lines.push(...keyList('missing in ODS', t.table, t.missingInOds));
    lines.push(...keyList('extra in ODS', t.table, t.extraInOds));
    lines.push(...keyList('values differ', t.table, t.valuesDiffer));
    lines.push(...keyList('in flight', t.table, t.inFlight));
    if (t.repair !== undefined) {
      lines.push(
        t.repair.applied
          ? `  repaired        ${t.table}  ${t.repair.upserts} row(s) re-read, ${t.repair.tombstones} tombstone(s), batch ${t.repair.batchId ?? ''}; ${t.repair.remaining} key(s) still differ`
          : `  repair plan     ${t.table}  would write ${t.repair.upserts} row(s) re-read from the source and ${t.repair.tombstones} tombstone(s); add --apply to write them`,
      );
    }
    if (t.sourceOnlyColumns.length > 0)
      lines.push(
        `  not compared    ${t.table}  source-only columns: ${t.sourceOnlyColumns.join(', ')}`,
      );
  }
  const rows = report.tables.reduce((n, t) => n + t.sourceRows, 0);
  lines.push(
    `verdict: ${report.equal ? 'ODS equals the source' : 'ODS differs from the source'} ` +
      `(${report.tables.length} table(s), ${rows} source rows; ${report.sourceRowsRead} rows read from ${report.source} in ${report.sourceQueries} queries, ${report.sourceQueryMs} ms)`,
  );
  return lines;
}
