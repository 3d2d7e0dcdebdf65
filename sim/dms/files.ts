import type { Row } from '../model/table.js';
import type { Micros } from '../time.js';
import type { Op } from '../workload/source-db.js';
import type { FileColumn } from './file-columns.js';

/** One row of a DMS file, before it is encoded. */
export interface FileRow {
  /** Written to the `Op` column when the file has one; full-load rows are always 'I'. */
  readonly op: Op;
  /** The timestamp column's instant: transfer time (full load) or commit second (CDC). */
  readonly timestamp: Micros;
  /** `$AR_H_CHANGE_SEQ` (35 digits) for CDC rows; null for full-load rows. */
  readonly changeSeq: string | null;
  /** Every column of the table as of the file (after image; before image for D). */
  readonly row: Row;
  /** Key columns before an UPDATE (the `BI_` columns); null for I and D rows. */
  readonly beforeImage: Row | null;
}

/** A file as DMS writes it into the bucket. */
export interface DmsFile {
  /** Creation order across the whole simulation, from 0. */
  readonly id: number;
  /** `<schema>.<table>`. */
  readonly table: string;
  readonly kind: 'load' | 'cdc';
  /** `LOAD00000001.parquet` or `20240612-103125108.parquet`. */
  readonly name: string;
  /** The S3 object key. */
  readonly key: string;
  readonly createdAt: Micros;
  /** 1 for the first write of a key, 2 for a DMS reload rewriting it, and so on. */
  readonly version: number;
  readonly columns: readonly FileColumn[];
  readonly rows: readonly FileRow[];
}

/** A file before it gets its place in creation order. */
export type DraftFile = Omit<DmsFile, 'id' | 'version'>;

/** Orders drafts by creation time (ties by table, then name) and numbers them. */
export function numberFiles(drafts: readonly DraftFile[]): DmsFile[] {
  const sorted = [...drafts].sort(
    (a, b) =>
      a.createdAt - b.createdAt ||
      (a.table < b.table ? -1 : a.table > b.table ? 1 : 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const versions = new Map<string, number>();
  return sorted.map((draft, id) => {
    const version = (versions.get(draft.key) ?? 0) + 1;
    versions.set(draft.key, version);
    return { ...draft, id, version };
  });
}
