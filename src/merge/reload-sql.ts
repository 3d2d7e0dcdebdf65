/**
 * SQL that turns a complete full-load generation into a snapshot: every live ODS key the
 * generation's rows lack, and whose `_seq` is older than the generation's first row, is deleted
 * the way DMS deletes: a `D` change row in raw (so `replay` rebuilds the same ODS) with the
 * generation's boundary `_seq`, merged into ODS under the usual newer-only guard. A change of that
 * key after the reload began has a greater `_seq`, so it is never overridden and still wins.
 */
import { qualified, quoteIdent, quoteString } from '../databend/quote.js';
import { seqValue } from './seq.js';

export interface ReloadTables {
  readonly rawDatabase: string;
  readonly odsDatabase: string;
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly opColumn: string;
}

/** The generation's raw rows: each member file's rows of the batch that loaded that version. */
export function memberRowsFilter(members: ReadonlyMap<string, string>): string {
  if (members.size === 0) return 'FALSE';
  return [...members]
    .map(
      ([key, batch]) =>
        `(${quoteIdent('_file')} = ${quoteString(key)} AND ${quoteIdent('_batch')} = ${quoteString(batch)})`,
    )
    .join(' OR ');
}

/** The smallest `_seq` of the generation's rows (where the reload's snapshot begins). */
export function snapshotBoundarySql(t: ReloadTables, members: ReadonlyMap<string, string>): string {
  return (
    `SELECT min(${quoteIdent('_seq')}) AS boundary, count(*)::STRING AS n ` +
    `FROM ${qualified(t.rawDatabase, t.table)} WHERE ${memberRowsFilter(members)}`
  );
}

/**
 * The boundary of a generation without rows (the source table was empty: DMS wrote no LOAD file,
 * or LOAD files of no rows): the smallest `_seq` a full-load row transferred in the second the
 * generation began would have. A change committed in that second or later keeps its key; the
 * comparison takes the DMS timestamp column as UTC, as S3's times are.
 */
export function emptySnapshotBoundary(startedAt: Date): string {
  const second = startedAt.toISOString().slice(0, 19).replace('T', ' ');
  return seqValue({ timestamp: second, fileRank: '0'.repeat(31), rowNumber: 0 });
}

/** Live ODS keys older than the boundary that the generation's rows lack. */
export function staleKeysSql(
  t: ReloadTables,
  members: ReadonlyMap<string, string>,
  boundary: string,
): string {
  const keys = t.primaryKey.map(quoteIdent);
  const on = keys.map((k) => `o.${k} = r.${k}`).join(' AND ');
  return (
    `SELECT ${keys.map((k) => `o.${k} AS ${k}`).join(', ')} FROM ${qualified(t.odsDatabase, t.table)} AS o ` +
    `LEFT ANTI JOIN (SELECT DISTINCT ${keys.join(', ')} FROM ${qualified(t.rawDatabase, t.table)} ` +
    `WHERE ${memberRowsFilter(members)}) AS r ON ${on} ` +
    `WHERE NOT o.${quoteIdent('is_deleted')} AND o.${quoteIdent('_seq')} < ${quoteString(boundary)}`
  );
}

/** The delete rows in raw: one per stale key, with the boundary `_seq`. */
export function insertReloadDeletesSql(
  t: ReloadTables,
  members: ReadonlyMap<string, string>,
  boundary: string,
  generation: string,
  batchId: string,
): string {
  const keys = t.primaryKey.map(quoteIdent);
  const targets = [
    ...keys,
    quoteIdent(t.opColumn),
    ...['_file', '_row', '_seq', '_batch', '_loaded_at'].map(quoteIdent),
  ];
  const values = [
    ...keys.map((k) => `s.${k}`),
    `'D'`,
    quoteString(`reload:${generation}`),
    '0',
    quoteString(boundary),
    quoteString(batchId),
    'now()',
  ];
  return (
    `INSERT INTO ${qualified(t.rawDatabase, t.table)} (${targets.join(', ')}) ` +
    `SELECT ${values.join(', ')} FROM (${staleKeysSql(t, members, boundary)}) AS s`
  );
}

/** The delete rows of the batch applied to ODS: state columns only, newer `_seq` only. */
export function mergeReloadDeletesSql(t: ReloadTables, batchId: string): string {
  const keys = t.primaryKey.map(quoteIdent);
  const seq = quoteIdent('_seq');
  return (
    `MERGE INTO ${qualified(t.odsDatabase, t.table)} AS t USING (SELECT ${keys.join(', ')}, ${seq} ` +
    `FROM ${qualified(t.rawDatabase, t.table)} WHERE ${quoteIdent('_batch')} = ${quoteString(batchId)}) AS s ` +
    `ON ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')} ` +
    `WHEN MATCHED AND s.${seq} > t.${seq} THEN UPDATE SET ${quoteIdent('is_deleted')} = true, ` +
    `${seq} = s.${seq}, ${quoteIdent('_updated_at')} = now()`
  );
}
