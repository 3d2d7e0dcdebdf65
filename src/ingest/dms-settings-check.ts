/**
 * Notices DMS endpoint settings that silently lose information, from what committed batches
 * carried, and says so once per table:
 *
 * - `CdcInsertsAndUpdates` (or `CdcInsertsOnly`): DMS then writes no deletes at all, so ODS keeps
 *   every deleted row. Seen as many CDC files of a table and never a `D`. A table whose source
 *   really never deletes looks the same, which is why this is a warning and the threshold is
 *   configurable (`dms.warnNoDeletesAfterCdcFiles`, 0 turns it off).
 * - `IncludeOpForFullLoad` unset: full-load files have no `Op` column, so their rows load as
 *   inserts and LOAD and CDC files have different schemas. Seen as a full-load file without Op.
 *
 * Counts live in this process only: after a restart a table needs the threshold again.
 */

export type DmsSettingName = 'CdcInsertsAndUpdates' | 'IncludeOpForFullLoad';

export interface DmsSettingsWarning {
  readonly table: string;
  readonly setting: DmsSettingName;
  /** What was seen, what it means and what to set. */
  readonly message: string;
}

/** What one committed batch of one table carried. */
export interface BatchSeen {
  readonly table: string;
  readonly files: readonly { readonly kind: 'load' | 'cdc'; readonly hasOp: boolean }[];
  /** `D` rows the batch loaded. */
  readonly deletes: number;
}

interface TableSeen {
  cdcFiles: number;
  sawDelete: boolean;
  readonly warned: Set<DmsSettingName>;
}

export class DmsSettingsCheck {
  readonly #tables = new Map<string, TableSeen>();

  /** @param cdcFilesWithoutDelete CDC files of a table with no `D` before warning; 0: never. */
  constructor(private readonly cdcFilesWithoutDelete: number) {}

  /** Records a committed batch; returns the warnings not given before for its table. */
  observe(batch: BatchSeen): DmsSettingsWarning[] {
    let seen = this.#tables.get(batch.table);
    if (seen === undefined) {
      seen = { cdcFiles: 0, sawDelete: false, warned: new Set() };
      this.#tables.set(batch.table, seen);
    }
    seen.cdcFiles += batch.files.filter((f) => f.kind === 'cdc').length;
    if (batch.deletes > 0) seen.sawDelete = true;

    const warnings: DmsSettingsWarning[] = [];
    const warn = (setting: DmsSettingName, message: string): void => {
      if (seen.warned.has(setting)) return;
      seen.warned.add(setting);
      warnings.push({ table: batch.table, setting, message });
    };
    if (
      this.cdcFilesWithoutDelete > 0 &&
      !seen.sawDelete &&
      seen.cdcFiles >= this.cdcFilesWithoutDelete
    ) {
      warn(
        'CdcInsertsAndUpdates',
        `${seen.cdcFiles} CDC files of ${batch.table} and not one delete (Op D): if rows are ` +
          'deleted at the source, the DMS endpoint probably sets CdcInsertsAndUpdates (or ' +
          'CdcInsertsOnly), with which DMS writes no deletes, so ODS keeps deleted rows. ' +
          'Unset both on the S3 target endpoint. A table that is never deleted from can ignore this.',
      );
    }
    if (batch.files.some((f) => f.kind === 'load' && !f.hasOp)) {
      warn(
        'IncludeOpForFullLoad',
        `full-load files of ${batch.table} have no Op column: the DMS endpoint does not set ` +
          'IncludeOpForFullLoad, so full-load rows load as inserts (I) and full-load and CDC ' +
          'files differ in schema. Set IncludeOpForFullLoad=true on the S3 target endpoint ' +
          '(DMS 3.4.7 or later for Parquet).',
      );
    }
    return warnings;
  }
}
