/**
 * What a file's footer says about loading it: its columns mapped to Databend types, or the
 * outcome when it cannot load (not Parquet, gone from S3, lacking a primary-key column).
 * BatchLoader and `plan` both decide with this.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ReadyFile } from '../merge/batch-statements.js';
import { InvalidParquetError, readParquetSchema } from '../schema/parquet-footer.js';
import { ObjectMissingError, s3RangeReader } from '../schema/range-reader.js';
import { mapParquetColumns } from '../schema/type-map.js';
import { ignored, poison, retry, type FileResult } from './file-outcome.js';
import type { PendingFile } from './pending-file.js';

/** A file whose footer was read and mapped; `rowCount` is what the footer claims. */
export interface InspectedFile extends ReadyFile<PendingFile> {
  readonly rowCount: number;
}

/** Reads the footer and maps the columns; an outcome instead when the file cannot be loaded. */
export async function inspectFile(
  s3: S3Client,
  file: PendingFile,
): Promise<InspectedFile | FileResult> {
  const { ref, route } = file;
  let schema;
  try {
    schema = await readParquetSchema(s3RangeReader(s3, ref.bucket, ref.key, ref.etag), ref.size);
  } catch (error) {
    if (error instanceof InvalidParquetError)
      return poison(`not a readable Parquet file: ${error.message}`);
    if (error instanceof ObjectMissingError) return ignored(error.message);
    return retry(`reading the footer failed: ${(error as Error).message}`);
  }
  const mapped = mapParquetColumns(schema.columns, route.columnTypes);
  const names = new Set(mapped.columns.map((c) => c.name));
  const missingKey = (route.primaryKey ?? []).filter((k) => !names.has(k));
  if (missingKey.length > 0)
    return poison(`the file lacks primary-key column(s) ${missingKey.join(', ')}`);
  return {
    file,
    columns: { key: ref.key, columns: mapped.columns, unsupported: mapped.unsupported },
    rowCount: schema.rowCount,
  };
}

export function isOutcome(result: InspectedFile | FileResult): result is FileResult {
  return 'kind' in result;
}
