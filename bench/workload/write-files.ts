// Encodes a generated stream as Parquet files on disk, a chunk at a time, keeping only what the
// benchmarks need of each file afterwards (its rows are dropped once written).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeParquetFiles, type DmsFile, type DmsSettings } from '../../sim/index.js';
import type { StreamFile } from './cdc-stream.js';

export interface BenchFile {
  /** `<schema>.<table>` of the source. */
  readonly table: string;
  readonly key: string;
  readonly path: string;
  readonly bytes: number;
  readonly rows: number;
  /** When the file is due, ms after the stream starts. */
  readonly dueMs: number;
}

export interface WrittenStream {
  readonly dir: string;
  readonly files: readonly BenchFile[];
  readonly remove: () => Promise<void>;
}

/** Rows per pyarrow process: bounds the memory a chunk of files holds before it is written. */
const ROWS_PER_CHUNK = 200_000;

export async function writeStream(
  stream: Iterable<StreamFile>,
  settings: DmsSettings,
): Promise<WrittenStream> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-files-'));
  const files: BenchFile[] = [];
  let chunk: StreamFile[] = [];
  let rows = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const byFile = new Map<DmsFile, number>(chunk.map((s) => [s.file, s.dueMs]));
    const written = await writeParquetFiles(
      chunk.map((s) => s.file),
      settings,
      { outDir: dir },
    );
    for (const w of written) {
      files.push({
        table: w.file.table,
        key: w.file.key,
        path: w.path,
        bytes: w.bytes,
        rows: w.file.rows.length,
        dueMs: byFile.get(w.file) ?? 0,
      });
    }
    chunk = [];
    rows = 0;
  };
  for (const s of stream) {
    chunk.push(s);
    rows += s.file.rows.length;
    if (rows >= ROWS_PER_CHUNK) await flush();
  }
  await flush();
  return { dir, files, remove: () => rm(dir, { recursive: true, force: true }) };
}
