// Small Parquet files for tests, written by pyarrow from the stack's Python environment.
import { execFileSync } from 'node:child_process';
import { venvPython } from '../../stack/python-env.js';

/**
 * Arrow types by name. Values travel as JSON, so those JSON cannot hold exactly are given as
 * strings: DECIMAL and 64-bit integers as digits, binary as hex, timestamps as ISO-8601 without a
 * zone (`2024-01-02T03:04:05.678901`), dates as `YYYY-MM-DD`. `decimal(p,s)` above 38 digits is
 * written as decimal256. Timestamps carry no time zone, as DMS writes them.
 */
export type ParquetColumnType =
  | 'string'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'binary'
  | 'date32'
  | 'timestamp_ms'
  | 'timestamp_us'
  | `decimal(${number},${number})`;

const script = `
import datetime, decimal, io, json, re, sys
import pyarrow as pa, pyarrow.parquet as pq
spec = json.load(sys.stdin)

def arrow_type(kind):
    m = re.fullmatch(r"decimal\\((\\d+),(\\d+)\\)", kind)
    if m:
        p, s = int(m[1]), int(m[2])
        return pa.decimal128(p, s) if p <= 38 else pa.decimal256(p, s)
    if kind == "timestamp_ms": return pa.timestamp("ms")
    if kind == "timestamp_us": return pa.timestamp("us")
    return getattr(pa, kind)()

def value(kind, v):
    if v is None: return None
    if kind.startswith("decimal"): return decimal.Decimal(str(v))
    if kind.startswith(("int", "uint")) and isinstance(v, str): return int(v)
    if kind == "binary": return bytes.fromhex(v)
    if kind.startswith("timestamp"): return datetime.datetime.fromisoformat(v)
    if kind == "date32": return datetime.date.fromisoformat(v)
    return v

schema = pa.schema([(name, arrow_type(kind)) for name, kind in spec["columns"]])
rows = [{name: value(kind, row.get(name)) for name, kind in spec["columns"]} for row in spec["rows"]]
table = pa.Table.from_pylist(rows, schema=schema)
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

/** The DMS timestamp column under its default name. */
export const DMS_TIMESTAMP = '_dms_ingestion_timestamp';

/** The columns of most tests' CDC files: Op, the DMS timestamp, an id key and a name. */
export const CDC_COLUMNS: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [DMS_TIMESTAMP, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];

/** A CDC file of Op, timestamp and id only: inserts of these ids, all at one second. */
export function insertsFile(ids: readonly number[], at = '2024-01-01 00:00:01'): Buffer {
  return parquetBytes(
    [
      ['Op', 'string'],
      [DMS_TIMESTAMP, 'string'],
      ['id', 'int64'],
    ],
    ids.map((id) => ({ Op: 'I', [DMS_TIMESTAMP]: at, id })),
  );
}
