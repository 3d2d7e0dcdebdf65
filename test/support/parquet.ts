// Small Parquet files for tests, written by pyarrow from the stack's Python environment.
import { execFileSync } from 'node:child_process';
import { venvPython } from '../../stack/python-env.js';

export type ParquetColumnType = 'string' | 'int64' | 'int32' | 'float64' | 'bool';

const script = `
import io, json, sys
import pyarrow as pa, pyarrow.parquet as pq
spec = json.load(sys.stdin)
schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in spec["columns"]])
table = pa.Table.from_pylist(spec["rows"], schema=schema)
out = io.BytesIO()
pq.write_table(table, out, compression="NONE", use_dictionary=False, data_page_version="1.0")
sys.stdout.buffer.write(out.getvalue())
`;

/** Rows as objects; `columns` fixes the order and Arrow type of each column. */
export function parquetBytes(
  columns: [string, ParquetColumnType][],
  rows: Record<string, unknown>[],
): Buffer {
  return execFileSync(venvPython, ['-c', script], {
    input: JSON.stringify({ columns, rows }),
    maxBuffer: 256 * 1024 * 1024,
  });
}
