import type { Micros } from '../time.js';
import type { FolderRemovalAt } from '../workload/timeline.js';
import type { DmsFile } from './files.js';

/**
 * DMS deleting a table's folder: every object of the table that is in the bucket at that time
 * (S3 sends ObjectRemoved for each). `TargetTablePrepMode=DROP_AND_CREATE` does it before a
 * reload writes; a source `TRUNCATE TABLE` does it as capture meets the DDL.
 */
export interface FolderRemoval {
  /** `<schema>.<table>`. */
  readonly table: string;
  readonly at: Micros;
  readonly why: 'drop-and-create' | 'truncate';
  /** The keys deleted, in key order. */
  readonly keys: readonly string[];
}

/** The keys each removal deletes: the table's files written since its previous removal. */
export function folderRemovals(
  files: readonly DmsFile[],
  removals: readonly FolderRemovalAt[],
): FolderRemoval[] {
  const sorted = [...removals].sort((a, b) => a.at - b.at);
  const present = new Map<string, Set<string>>();
  const out: FolderRemoval[] = [];
  let next = 0;
  const remove = (removal: FolderRemovalAt): void => {
    const keys = present.get(removal.table) ?? new Set<string>();
    out.push({ ...removal, keys: [...keys].sort() });
    present.set(removal.table, new Set());
  };
  for (const file of files) {
    while (sorted[next] !== undefined && (sorted[next] as FolderRemovalAt).at <= file.createdAt)
      remove(sorted[next++] as FolderRemovalAt);
    const keys = present.get(file.table) ?? new Set<string>();
    keys.add(file.key);
    present.set(file.table, keys);
  }
  for (; next < sorted.length; next++) remove(sorted[next] as FolderRemovalAt);
  return out;
}
