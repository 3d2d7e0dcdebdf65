/**
 * Ledger reads for the listings (sweep and backfill): the newest CDC key per table folder, which
 * bounds where an incremental listing may start.
 */
import { qualified, quoteIdent, quoteString, quoteTimestamp } from '../databend/quote.js';

/**
 * Per `<schema>/<table>` folder (as the key spells it, after the bucket folder), the greatest
 * CDC key among the files loaded at or before `loadedBefore` (by S3 event time; rows without one
 * count as old). Columns: schema_name, table_folder, newest_key. Strings compare as UTF-8 bytes
 * in Databend, the order S3 lists keys in.
 */
export function newestCdcKeysSql(
  controlDatabase: string,
  bucket: string,
  bucketFolder: string,
  loadedBefore: Date,
  /**
   * Only rows loaded at or after this time (`loaded_at`): the ledger is appended in that order,
   * so Databend skips older blocks by their min/max (files/ledger-window.ts). The sweep passes
   * it after its first scan and keeps the greatest key per folder itself.
   */
  loadedSince?: Date,
): string {
  const folder = bucketFolder.replace(/^\/+|\/+$/g, '');
  const depth = folder === '' ? 0 : folder.split('/').length;
  const key = quoteIdent('object_key');
  const eventTime = quoteIdent('event_time');
  const cutoff = quoteTimestamp(loadedBefore);
  const since =
    loadedSince === undefined
      ? ''
      : ` AND ${quoteIdent('loaded_at')} >= ${quoteTimestamp(loadedSince)}`;
  const underFolder =
    folder === ''
      ? ''
      : // Keys under `folder/`: from `folder/` up to `folder0` ('0' follows '/').
        ` AND ${key} >= ${quoteString(`${folder}/`)} AND ${key} < ${quoteString(`${folder}0`)}`;
  return (
    `SELECT split_part(${key}, '/', ${depth + 1}) AS schema_name, ` +
    `split_part(${key}, '/', ${depth + 2}) AS table_folder, max(${key}) AS newest_key ` +
    `FROM ${qualified(controlDatabase, 'files')} ` +
    `WHERE ${quoteIdent('bucket')} = ${quoteString(bucket)} AND ${quoteIdent('file_kind')} = 'cdc' ` +
    `AND (${eventTime} IS NULL OR ${eventTime} <= ${cutoff})${underFolder}${since} ` +
    `GROUP BY 1, 2`
  );
}
