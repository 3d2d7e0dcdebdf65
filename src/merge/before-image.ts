/**
 * Primary-key changes. DMS writes an UPDATE that changes a row's key as a `U` row carrying only
 * the new key, so on its own the old key would stay live in ODS for ever. The transformation rule
 * `add-before-image-columns` (column filter `pk-only`) adds `<prefix><key>` columns holding the
 * key before the update; from them the MERGE derives a delete of the old key.
 *
 * The before-image columns stay in raw (they are part of the change as DMS wrote it, and a
 * rebuild of ODS from raw needs them) but are not ODS columns: in ODS they would only hold the
 * previous key of a row's last update, which describes no source column.
 *
 * Pure SQL text; every name goes through quote.ts.
 */
import { quoteIdent, quoteString } from '../databend/quote.js';

/** `<prefix><key>` for each key column, in key order. */
export function beforeImageColumnNames(primaryKey: readonly string[], prefix: string): string[] {
  return primaryKey.map((key) => `${prefix}${key}`);
}

/**
 * The key's before-image columns when `columns` (a file's or a table's) has every one of them;
 * undefined otherwise (no before images, or a rule that does not cover the whole key).
 */
export function beforeImageColumnsIn(
  primaryKey: readonly string[],
  prefix: string,
  columns: Iterable<string>,
): readonly string[] | undefined {
  if (primaryKey.length === 0 || prefix === '') return undefined;
  const present = new Set(columns);
  const names = beforeImageColumnNames(primaryKey, prefix);
  return names.every((name) => present.has(name)) ? names : undefined;
}

export interface KeyChangeTombstonesInput {
  /** The raw table, already qualified and quoted. */
  readonly rawTable: string;
  /** Which raw rows to read (a batch, or a range of batches). */
  readonly rawFilter: string;
  /** The ODS business columns the MERGE source carries, key columns included. */
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  /** The before-image column of each key column, in key order. */
  readonly beforeImage: readonly string[];
  readonly opColumn: string;
}

/**
 * One delete per key-changing update, shaped like the MERGE source's change rows: the old key,
 * NULL in every other column, Op `D`, and the update's `_seq`. It then competes with the other
 * changes of the old key by `_seq` like any delete: it applies only when newer than the ODS row,
 * leaves a tombstone when the old key is unknown (so a late, older change cannot resurrect it),
 * and loses to a later re-insert of the old key.
 *
 * A key column changed when its before image is not NULL and differs from the new value. A NULL
 * before image means "unchanged": DMS may fill the before image only for the columns an UPDATE
 * changed, and fills none on I and D rows. So the old key is the before image where there is one
 * and the new value elsewhere.
 */
export function keyChangeTombstonesSql(input: KeyChangeTombstonesInput): string {
  if (input.beforeImage.length !== input.primaryKey.length)
    throw new Error('one before-image column per primary-key column is needed');
  const col = (name: string): string => quoteIdent(name);
  const pairs = input.primaryKey.map((key, i) => {
    const before = input.beforeImage[i];
    if (before === undefined) throw new Error(`no before-image column for ${key}`);
    return { key: col(key), before: col(before) };
  });
  const oldKey = new Map(pairs.map((p) => [p.key, `COALESCE(${p.before}, ${p.key})`]));
  const values = input.columns.map((name) => {
    const ref = col(name);
    return `${oldKey.get(ref) ?? 'NULL'} AS ${ref}`;
  });
  const changed = pairs.map((p) => `(${p.before} IS NOT NULL AND ${p.before} <> ${p.key})`);
  return (
    `SELECT ${[...values, `${quoteString('D')} AS ${col(input.opColumn)}`, col('_seq')].join(', ')} ` +
    `FROM ${input.rawTable} WHERE (${input.rawFilter}) AND ${col(input.opColumn)} = ${quoteString('U')} ` +
    `AND (${changed.join(' OR ')})`
  );
}
