import type { DmsFile } from '../dms/files.js';
import type { Row } from '../model/table.js';
import { formatDmsTimestamp, type Micros } from '../time.js';
import type { Op } from '../workload/source-db.js';

/** One change row exactly as a file carries it, with where it sits. */
export interface Change {
  /** `<schema>.<table>`. */
  readonly table: string;
  readonly fileId: number;
  readonly fileKey: string;
  readonly fileName: string;
  readonly fileKind: 'load' | 'cdc';
  /** 1, or 2+ for the rewrite of a key by a reload. */
  readonly fileVersion: number;
  /** 0-based row position in the file. */
  readonly position: number;
  /**
   * The instant the timestamp column stands for: the commit time cut to its second (CDC) or
   * the transfer time (full load). Present even when the files have no timestamp column.
   */
  readonly at: Micros;
  /** 'I' for full-load rows, whether or not the file has an Op column. */
  readonly op: Op;
  /** The timestamp column's value, or null when the files have none. */
  readonly timestamp: string | null;
  /** The change-sequence column's value, or null (full-load rows, or no such column). */
  readonly changeSeq: string | null;
  /** The business columns the file has (a column the file lacks is absent here). */
  readonly row: Row;
  /** Key columns before an UPDATE, when the files carry before-image columns. */
  readonly beforeImage: Row | null;
}

/** Every change row of the files, in file creation order, then row position. */
export function changeStream(files: readonly DmsFile[]): Change[] {
  const out: Change[] = [];
  for (const file of files) {
    const hasTimestamp = file.columns.some((c) => c.role === 'timestamp');
    const hasChangeSeq = file.columns.some((c) => c.role === 'change-seq');
    const hasBeforeImage = file.columns.some((c) => c.role === 'before-image');
    const dataColumns = file.columns.filter((c) => c.role === 'data').map((c) => c.name);
    file.rows.forEach((fileRow, position) => {
      const row: Record<string, string | null> = {};
      for (const name of dataColumns) row[name] = fileRow.row[name] ?? null;
      out.push({
        table: file.table,
        fileId: file.id,
        fileKey: file.key,
        fileName: file.name,
        fileKind: file.kind,
        fileVersion: file.version,
        position,
        at: fileRow.timestamp,
        op: fileRow.op,
        timestamp: hasTimestamp ? formatDmsTimestamp(fileRow.timestamp) : null,
        changeSeq: hasChangeSeq ? fileRow.changeSeq : null,
        row,
        beforeImage: hasBeforeImage ? fileRow.beforeImage : null,
      });
    });
  }
  return out;
}
