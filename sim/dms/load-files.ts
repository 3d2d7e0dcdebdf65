import { qualifiedName, type Table } from '../model/table.js';
import { MICROS_PER_MS, type Micros } from '../time.js';
import { fileColumns } from './file-columns.js';
import type { DraftFile, FileRow } from './files.js';
import { loadFileName, objectKey } from './naming.js';
import type { DmsSettings } from './settings.js';

/**
 * Cuts one full load's rows into `LOAD00000001.parquet`, `LOAD00000002.parquet`… Each file is
 * created just after its last row was read. A reload starts the counter at 1 again, so its
 * files replace the earlier ones under the same keys (with new ETags). With `loadPartitions`,
 * each partition's key range goes to its own sub-folder, counting from 1.
 */
export function loadFiles(
  table: Table,
  rows: readonly FileRow[],
  readTimes: readonly Micros[],
  settings: DmsSettings,
): DraftFile[] {
  const partitions = settings.loadPartitions;
  if (partitions.length === 0) return partitionFiles(table, rows, readTimes, settings, undefined);
  // Rows come in key order: each partition takes one contiguous range of them.
  const size = Math.ceil(rows.length / partitions.length);
  return partitions.flatMap((partition, i) =>
    partitionFiles(
      table,
      rows.slice(i * size, (i + 1) * size),
      readTimes.slice(i * size, (i + 1) * size),
      settings,
      partition,
    ),
  );
}

function partitionFiles(
  table: Table,
  rows: readonly FileRow[],
  readTimes: readonly Micros[],
  settings: DmsSettings,
  partition: string | undefined,
): DraftFile[] {
  const columns = fileColumns(table, 'load', settings);
  const out: DraftFile[] = [];
  for (let i = 0, n = 1; i < rows.length; i += settings.loadMaxRowsPerFile, n++) {
    const chunk = rows.slice(i, i + settings.loadMaxRowsPerFile);
    const lastRead = readTimes[i + chunk.length - 1] ?? 0;
    const createdAt = lastRead + MICROS_PER_MS;
    const name = loadFileName(n);
    out.push({
      table: qualifiedName(table),
      kind: 'load',
      name,
      key: objectKey(settings, table, name, createdAt, 'load', partition),
      createdAt,
      columns,
      rows: chunk,
    });
  }
  return out;
}
