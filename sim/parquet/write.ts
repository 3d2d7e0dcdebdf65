import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DmsFile } from '../dms/files.js';
import type { DmsSettings } from '../dms/settings.js';
import { DEFAULT_PYTHON, runPython } from './python.js';
import { pyFileSpec, type PyFileSpec } from './spec.js';

export interface WriteParquetOptions {
  /** Files go to `<outDir>/v<version>/<object key>` (a reload's files are version 2). */
  readonly outDir: string;
  /** Python with pyarrow; default: the stack's `stack/.venv/bin/python`. */
  readonly python?: string;
  /** Upper bound on the cells sent to one Python process (default 2,000,000). */
  readonly maxCellsPerBatch?: number;
}

export interface WrittenFile {
  readonly file: DmsFile;
  /** Where the Parquet file is on disk. */
  readonly path: string;
  readonly bytes: number;
}

/** The local path of a file: versions are kept apart because a reload reuses object keys. */
export function localPath(outDir: string, file: DmsFile): string {
  return path.join(outDir, `v${file.version}`, ...file.key.split('/'));
}

interface WriteAnswer {
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
}

/**
 * Encodes the files as DMS-faithful Parquet with pyarrow. One Python process handles a whole
 * batch of files (starting Python and importing pyarrow costs far more than a small file).
 */
export async function writeParquetFiles(
  files: readonly DmsFile[],
  settings: DmsSettings,
  options: WriteParquetOptions,
): Promise<WrittenFile[]> {
  const python = options.python ?? DEFAULT_PYTHON;
  const maxCells = options.maxCellsPerBatch ?? 2_000_000;
  const written: WrittenFile[] = [];
  let batch: { file: DmsFile; spec: PyFileSpec }[] = [];
  let cells = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const answer = (await runPython(
      'write',
      { files: batch.map((b) => b.spec) },
      python,
    )) as WriteAnswer;
    answer.files.forEach((result, i) => {
      const entry = batch[i];
      if (entry === undefined || result.path !== entry.spec.path) {
        throw new Error('dms_parquet_writer.py answered for other files than it was given');
      }
      written.push({ file: entry.file, path: result.path, bytes: result.bytes });
    });
    batch = [];
    cells = 0;
  };

  for (const file of files) {
    const target = localPath(options.outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    const spec = pyFileSpec(file, settings, target);
    batch.push({ file, spec });
    cells += file.rows.length * file.columns.length;
    if (cells >= maxCells) await flush();
  }
  await flush();
  return written;
}
