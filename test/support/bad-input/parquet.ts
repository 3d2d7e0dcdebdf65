// Parquet files for the bad-input catalogue: DMS-shaped CDC files, and the broken ones made from them.
import { execFileSync } from 'node:child_process';
import { venvPython } from '../../../stack/python-env.js';

/** Arrow types the catalogue writes; the exotic ones are what DMS never writes. */
export type CatalogueType =
  'string' | 'int64' | 'int32' | 'float64' | 'bool' | 'time_ms' | 'list_int64';

const script = `
import io, json, sys
import pyarrow as pa, pyarrow.parquet as pq
types = {
    "string": pa.string(), "int64": pa.int64(), "int32": pa.int32(), "float64": pa.float64(),
    "bool": pa.bool_(), "time_ms": pa.time32("ms"), "list_int64": pa.list_(pa.int64()),
}
spec = json.load(sys.stdin)
schema = pa.schema([(name, types[kind]) for name, kind in spec["columns"]])
rows = spec["rows"]
for row in rows:
    for name, kind in spec["columns"]:
        if kind == "time_ms" and row.get(name) is not None:
            import datetime
            ms = row[name]
            row[name] = (datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=ms)).time()
table = pa.Table.from_pylist(rows, schema=schema)
out = io.BytesIO()
pq.write_table(table, out, compression="NONE", use_dictionary=False, data_page_version="1.0")
sys.stdout.buffer.write(out.getvalue())
`;

export function parquet(
  columns: readonly (readonly [string, CatalogueType])[],
  rows: readonly Record<string, unknown>[],
): Buffer {
  return execFileSync(venvPython, ['-c', script], {
    input: JSON.stringify({ columns, rows }),
    maxBuffer: 64 * 1024 * 1024,
  });
}

export const TS = '_dms_ingestion_timestamp';

/** A CDC file as DMS writes it: Op, the timestamp, then `id` and `name`. */
export function cdcFile(
  rows: readonly { op: string | null; id: number | null; name: string }[],
  second = 1,
): Buffer {
  return parquet(
    [
      ['Op', 'string'],
      [TS, 'string'],
      ['id', 'int64'],
      ['name', 'string'],
    ],
    rows.map((r, i) => ({
      Op: r.op,
      [TS]: `2024-01-01 00:00:${String(second).padStart(2, '0')}.${String(i).padStart(6, '0')}`,
      id: r.id,
      name: r.name,
    })),
  );
}

/** A healthy file of `n` inserts, ids from `first`. */
export function goodFile(n: number, first = 1, second = 1): Buffer {
  return cdcFile(
    Array.from({ length: n }, (_, i) => ({ op: 'I', id: first + i, name: `row ${first + i}` })),
    second,
  );
}

/** The first bytes only: the `PAR1` magic is there, the footer is not. */
export function withoutFooter(file: Buffer): Buffer {
  return file.subarray(0, Math.floor(file.length / 2));
}

/**
 * The footer intact but bytes cut out of the data pages before it: the footer reads fine and
 * points at offsets that no longer hold what it says.
 */
export function withCutDataPages(file: Buffer): Buffer {
  const footerLength = file.readUInt32LE(file.length - 8);
  const dataEnd = file.length - 8 - footerLength;
  const cutFrom = 4 + Math.floor((dataEnd - 4) / 3);
  const cutTo = 4 + Math.floor(((dataEnd - 4) * 2) / 3);
  return Buffer.concat([file.subarray(0, cutFrom), file.subarray(cutTo)]);
}
