/**
 * Where the sweep may start listing a table folder: after the newest CDC key the ledger holds for
 * it, and only when that is provably safe. Pure.
 *
 * ListObjectsV2 returns keys in UTF-8 byte order and `StartAfter` skips every key up to and
 * including the one given. A key the sweep skips is a key it can never find, so the start key
 * must sort before (or be) every key that may still appear unloaded. Why each rule holds:
 *
 * - CDC, not full load. `'0'…'9'` sort before `'L'` and `'S'`, so in a table folder every CDC
 *   file and date folder sorts before every `LOAD…`/`SEGMENTn_LOAD…` file. Starting after the
 *   newest key overall (a LOAD key) would skip all CDC files for ever. Starting after the newest
 *   CDC key still lists the whole full-load range on each sweep — which is what catches a reload:
 *   DMS deletes a table's objects and writes `LOAD00000001…` again, under the same names with new
 *   ETags, so no start key can skip them safely. That range does not grow with time (one full
 *   load's files), while CDC files do.
 * - CDC names are their UTC creation times, fixed-width, so inside one folder name order is
 *   creation order: a file DMS writes later sorts after the newest one already loaded.
 * - Date folders (DatePartitionEnabled) put the date in front of the name. A year-first sequence
 *   (`YYYYMMDD`, `YYYYMMDDHH`, `YYYYMM`, with any fixed delimiter) sorts by time too, so the rule
 *   carries over. `MMYYYYDD` and `DDMMYYYY` do not (`01122024/` sorts before `31012024/`): for
 *   such a table there is no safe start key and the whole folder is listed.
 * - A file whose write lagged behind a newer-named one (a slow upload) is covered by computing
 *   the start key only from files loaded at least a look-back period ago (see Sweep).
 *
 * What a start key cannot cover, and `backfill` (which lists everything) does:
 * - switching DatePartitionEnabled on (or changing its sequence or delimiter) under a running
 *   task: `2024/06/13/…` sorts before `20240612-…` (`'/'` < `'0'`), so new-layout files sort
 *   before the old root files;
 * - full-load partition folders whose names begin with a digit or a character before `'0'`,
 *   which sort into or before the CDC range.
 */
import { parseKey, type KeyLayoutConfig } from '../files/key-layout.js';

/** `[<bucketFolder>/]<schema>/<table>/`: the folder holding one table's files. */
export function tableFolderPrefix(bucketFolder: string, schema: string, table: string): string {
  const folder = bucketFolder.replace(/^\/+|\/+$/g, '');
  return `${folder === '' ? '' : `${folder}/`}${schema}/${table}/`;
}

/** `[<bucketFolder>/]`: where the schema folders are. */
export function schemaLevelPrefix(bucketFolder: string): string {
  const folder = bucketFolder.replace(/^\/+|\/+$/g, '');
  return folder === '' ? '' : `${folder}/`;
}

/**
 * The key to list a table folder after, given the newest CDC key the ledger holds for it;
 * undefined means list the whole folder.
 */
export function sweepStartAfter(
  tablePrefix: string,
  newestCdcKey: string | undefined,
  layout: KeyLayoutConfig,
): string | undefined {
  if (newestCdcKey === undefined || !newestCdcKey.startsWith(tablePrefix)) return undefined;
  const parsed = parseKey(newestCdcKey, layout);
  if (!parsed.ok || parsed.file.kind !== 'cdc') return undefined;
  const { dateFolder, cdcTimestamp } = parsed.file;
  if (dateFolder === undefined) return newestCdcKey;
  return isYearFirstFolder(dateFolder, cdcTimestamp, layout) ? newestCdcKey : undefined;
}

/**
 * True when a date folder sorts by time: its sequence starts with the year. Without the layout's
 * configured sequence this is read from the folder itself: its first four digits are the year of
 * the file's name, give or take one (a folder in another time zone across New Year). A
 * `DDMMYYYY` folder can pass only when its day and month spell that year (20/12/2012), a date
 * before any DMS Parquet file.
 */
export function isYearFirstFolder(
  dateFolder: string,
  cdcTimestamp: string,
  layout: KeyLayoutConfig,
): boolean {
  if (layout.datePartition !== undefined) return layout.datePartition.sequence.startsWith('YYYY');
  const digits = dateFolder.replace(/[^0-9]/g, '');
  const folderYear = Number(digits.slice(0, 4));
  const nameYear = Number(cdcTimestamp.slice(0, 4));
  return digits.length >= 6 && Math.abs(folderYear - nameYear) <= 1;
}
