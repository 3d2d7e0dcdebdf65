/**
 * Reads ODS for reconcile: the live rows (`is_deleted = false`) of a key range or of a list of
 * keys, every value through odsSelectExpression and made canonical, with each row's `_seq`; and
 * the table's commit watermark.
 */
import { qualified, quoteIdent } from '../databend/quote.js';
import type { SqlSession } from '../databend/session-pool.js';
import { databendKeyList, databendRange, type KeyColumn } from './key-predicates.js';
import { fromOds, odsSelectExpression, type ColumnKind } from './normalise.js';
import type { CanonicalRow } from './source-reader.js';

export interface OdsTableRead {
  readonly database: string;
  readonly table: string;
  readonly key: readonly KeyColumn[];
  /** Compared columns, keys first (the same list, in the same order, as the source read). */
  readonly columns: readonly { readonly name: string; readonly kind: ColumnKind }[];
}

export interface OdsRow extends CanonicalRow {
  readonly seq: string;
}

/**
 * Rows a repair writes carry this file segment in their `_seq` (repair-sql.ts): they say how
 * current one key is, not how far the table's changes have been applied.
 */
export const REPAIR_SEGMENT = '999999';
/** 1-based position of the file rank's segment inside `_seq` (see src/merge/seq.ts). */
const SEGMENT_POSITION = 67;

/** Column name → Databend type, as DESC prints it. */
export async function describeOds(
  session: SqlSession,
  database: string,
  table: string,
): Promise<Map<string, string>> {
  const rows = await session.query(`DESC ${qualified(database, table)}`);
  const types = new Map<string, string>();
  for (const r of rows) types.set(String(r.Field), String(r.Type));
  return types;
}

function selectSql(read: OdsTableRead, where: string): string {
  const list = read.columns.map(
    (c, i) => `${odsSelectExpression(c.kind, quoteIdent(c.name))} AS ${quoteIdent(`c${i}`)}`,
  );
  return (
    `SELECT ${[...list, `${quoteIdent('_seq')} AS ${quoteIdent('seq')}`].join(', ')} ` +
    `FROM ${qualified(read.database, read.table)} ` +
    `WHERE NOT ${quoteIdent('is_deleted')} AND (${where})`
  );
}

function toRows(read: OdsTableRead, rows: readonly Readonly<Record<string, unknown>>[]): OdsRow[] {
  const keyCount = read.key.length;
  return rows.map((r) => {
    const values = read.columns.map((c, i) => fromOds(c.kind, r[`c${i}`]));
    return { key: values.slice(0, keyCount).map((v) => v ?? ''), values, seq: String(r.seq) };
  });
}

export async function odsRange(
  session: SqlSession,
  read: OdsTableRead,
  after: readonly string[] | undefined,
  upTo: readonly string[] | undefined,
): Promise<OdsRow[]> {
  return toRows(read, await session.query(selectSql(read, databendRange(read.key, after, upTo))));
}

export async function odsRowsByKey(
  session: SqlSession,
  read: OdsTableRead,
  keys: readonly (readonly string[])[],
): Promise<OdsRow[]> {
  const out: OdsRow[] = [];
  for (let start = 0; start < keys.length; start += 500) {
    const part = keys.slice(start, start + 500);
    out.push(
      ...toRows(read, await session.query(selectSql(read, databendKeyList(read.key, part)))),
    );
  }
  return out;
}

/**
 * The table's commit watermark: the whole second of the newest change the service has applied
 * to ODS (the first 14 digits of the greatest `_seq` not written by a repair), e.g.
 * `20240612100005`; undefined while the table is empty. Every change committed at the source
 * before that second has reached ODS, as far as DMS's order of files goes.
 */
export async function commitWatermark(
  session: SqlSession,
  database: string,
  table: string,
): Promise<string | undefined> {
  const seq = quoteIdent('_seq');
  const rows = await session.query(
    `SELECT substr(max(${seq}), 1, 14) AS watermark FROM ${qualified(database, table)} ` +
      `WHERE substr(${seq}, ${SEGMENT_POSITION}, 6) <> '${REPAIR_SEGMENT}'`,
  );
  const value = rows[0]?.watermark;
  return typeof value === 'string' && /^\d{14}$/.test(value) ? value : undefined;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` → `YYYYMMDDHHMMSS`, comparable with a watermark. */
export function secondsOf(time: string): string {
  return time.replace(/[^0-9]/g, '').slice(0, 14);
}
