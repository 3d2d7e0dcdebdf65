import { DEFAULT_PYTHON, runPython } from './python.js';

/** What pyarrow (plus a raw read of the footer and page headers) sees in a Parquet file. */
export interface ParquetInspection {
  readonly path: string;
  readonly createdBy: string;
  /** FileMetaData.version as written in the footer. */
  readonly formatVersion: number;
  readonly numRows: number;
  readonly numRowGroups: number;
  readonly keyValueMetadata: Readonly<Record<string, string>>;
  readonly columns: readonly {
    readonly name: string;
    readonly physical: string;
    readonly converted: string | null;
    /** Whether the footer's SchemaElement carries a LogicalType (DMS files do not). */
    readonly hasLogicalType: boolean;
    readonly repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
    readonly typeLength: number | null;
    readonly precision: number | null;
    readonly scale: number | null;
  }[];
  readonly chunks: readonly {
    readonly rowGroup: number;
    readonly column: string;
    readonly codec: string;
    readonly encodings: readonly string[];
    readonly hasDictionaryPage: boolean;
    readonly firstPageType: string;
    readonly hasStatistics: boolean;
  }[];
  /**
   * Rows as pyarrow decodes them, with integers and decimals as strings, binary as hex,
   * timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` and dates as `YYYY-MM-DD`.
   */
  readonly rows: readonly Readonly<Record<string, string | number | boolean | null>>[];
}

/** Reads Parquet files back with pyarrow, independently of how they were written. */
export async function inspectParquet(
  paths: readonly string[],
  python: string = DEFAULT_PYTHON,
): Promise<ParquetInspection[]> {
  const answer = (await runPython('inspect', { paths }, python)) as {
    files: ParquetInspection[];
  };
  return answer.files;
}
