"""Writes Parquet files the way AWS DMS writes them, and inspects Parquet files.

Driven by sim/parquet/write.ts: one process per batch of files, a JSON spec on stdin.

    write    stdin: {"files": [FileSpec...]}       stdout: {"files": [{"path", "bytes"}]}
    inspect  stdin: {"paths": [...]}               stdout: {"files": [Inspection...]}

Why pyarrow and a footer rewrite: DMS files have FIXED_LEN_BYTE_ARRAY decimals, data page v1,
no dictionary pages, PLAIN/RLE encodings, UNCOMPRESSED (or GZIP), legacy ConvertedType
annotations only (no LogicalType) and created_by "AWS". pyarrow's writer options give all but
the last two; pyarrow always writes LogicalType, so after writing we re-encode the footer's
Thrift (compact protocol) without SchemaElement.logicalType and with created_by "AWS". The
column chunks come before the footer, so their offsets stay valid.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import struct
import sys
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from thrift_compact import Reader, Writer, field  # sibling module: the script dir is on sys.path

# FileMetaData: 1 version, 2 schema, 3 num_rows, 4 row_groups, 5 kv, 6 created_by.
# SchemaElement: 1 type, 2 type_length, 3 repetition, 4 name, 5 num_children,
#   6 converted_type, 7 scale, 8 precision, 9 field_id, 10 logicalType.
FMD_SCHEMA, FMD_ROW_GROUPS, FMD_CREATED_BY = 2, 4, 6
SE_LOGICAL_TYPE = 10


def read_footer(data: bytes) -> tuple[list[list[Any]], int]:
    if data[-4:] != b"PAR1" or data[:4] != b"PAR1":
        raise ValueError("not a Parquet file")
    length = struct.unpack_from("<I", data, len(data) - 8)[0]
    start = len(data) - 8 - length
    return Reader(data, start).struct(), start


def rewrite_footer(path: str, created_by: str) -> int:
    with open(path, "rb") as f:
        data = f.read()
    meta, start = read_footer(data)
    for f in meta:
        if f[0] == FMD_SCHEMA:
            _, etype, elements = f[2]
            for element in elements:
                element[:] = [x for x in element if x[0] != SE_LOGICAL_TYPE]
        if f[0] == FMD_CREATED_BY:
            f[2] = created_by.encode()
    w = Writer()
    w.struct(meta)
    footer = bytes(w.out)
    out = data[:start] + footer + struct.pack("<I", len(footer)) + b"PAR1"
    with open(path, "wb") as f:
        f.write(out)
    return len(out)


# ---------------------------------------------------------------- write

ARROW_TYPES = {
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "uint8": pa.uint8(),
    "uint16": pa.uint16(),
    "uint32": pa.uint32(),
    "uint64": pa.uint64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "binary": pa.binary(),
    "date32": pa.date32(),
    # A UTC zone makes pyarrow write the TIMESTAMP_MICROS/MILLIS ConvertedType, which readers
    # take as UTC-adjusted: DMS stores DATETIME wall-clock values as if they were UTC.
    "timestamp_us": pa.timestamp("us", tz="UTC"),
    "timestamp_ms": pa.timestamp("ms", tz="UTC"),
}


def arrow_type(col: dict[str, Any]) -> pa.DataType:
    if col["type"] == "decimal":
        p, s = col["precision"], col["scale"]
        return pa.decimal128(p, s) if p <= 38 else pa.decimal256(p, s)
    return ARROW_TYPES[col["type"]]


def py_value(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind.startswith("int") or kind.startswith("uint"):
        return int(v)
    if kind == "decimal":
        return decimal.Decimal(v)
    if kind == "float64":
        return float(v)
    if kind == "bool":
        return bool(v)
    if kind == "binary":
        return bytes.fromhex(v)
    if kind == "date32":
        return dt.date.fromisoformat(v)
    if kind.startswith("timestamp"):
        return dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    return v


def write_file(spec: dict[str, Any]) -> dict[str, Any]:
    fields, arrays, stats = [], [], []
    for col in spec["columns"]:
        t = arrow_type(col)
        fields.append(pa.field(col["name"], t, nullable=col["nullable"]))
        arrays.append(pa.array([py_value(col["type"], v) for v in col["values"]], type=t))
        if col["type"] != "decimal":
            # The DMS sample has no statistics on its FIXED_LEN_BYTE_ARRAY decimals.
            stats.append(col["name"])
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    pq.write_table(
        table,
        spec["path"],
        version="1.0" if spec["parquetVersion"] == "PARQUET_1_0" else "2.6",
        use_dictionary=False,
        data_page_version="1.0",
        compression="GZIP" if spec["compression"] == "GZIP" else "NONE",
        store_decimal_as_integer=False,
        store_schema=False,
        write_statistics=stats,
        row_group_size=max(1, spec["rowGroupLength"]),
        data_page_size=1024 * 1024,
    )
    size = rewrite_footer(spec["path"], spec.get("createdBy", "AWS"))
    return {"path": spec["path"], "bytes": size}


# ---------------------------------------------------------------- inspect

PAGE_TYPES = {0: "DATA_PAGE", 1: "INDEX_PAGE", 2: "DICTIONARY_PAGE", 3: "DATA_PAGE_V2"}


def json_value(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, decimal.Decimal):
        return format(v, "f")  # str() would give 0E-30 for a zero DECIMAL(65,30)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return v


def inspect_file(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        data = f.read()
    raw, _ = read_footer(data)
    elements = field(raw, FMD_SCHEMA)[2]
    md = pq.read_metadata(path)
    columns = []
    for i in range(md.num_columns):
        c = md.schema.column(i)
        element = elements[i + 1]
        columns.append(
            {
                "name": c.name,
                "physical": c.physical_type,
                "converted": None if c.converted_type == "NONE" else c.converted_type,
                "hasLogicalType": field(element, SE_LOGICAL_TYPE) is not None,
                "repetition": {0: "REQUIRED", 1: "OPTIONAL", 2: "REPEATED"}[field(element, 3)],
                "typeLength": field(element, 2),
                "precision": field(element, 8),
                "scale": field(element, 7),
            }
        )
    chunks = []
    for rg in range(md.num_row_groups):
        group = md.row_group(rg)
        for i in range(group.num_columns):
            col = group.column(i)
            # The first page header (Thrift) sits at the chunk's data_page_offset.
            header = Reader(data, col.data_page_offset).struct()
            chunks.append(
                {
                    "rowGroup": rg,
                    "column": col.path_in_schema,
                    "codec": col.compression,
                    "encodings": sorted(col.encodings),
                    "hasDictionaryPage": col.has_dictionary_page,
                    "firstPageType": PAGE_TYPES.get(field(header, 1), "UNKNOWN"),
                    "hasStatistics": col.is_stats_set,
                }
            )
    table = pq.read_table(path)
    rows = [{k: json_value(v) for k, v in r.items()} for r in table.to_pylist()]
    return {
        "path": path,
        "createdBy": md.created_by,
        "formatVersion": field(raw, 1),
        "numRows": md.num_rows,
        "numRowGroups": md.num_row_groups,
        "keyValueMetadata": {k.decode(): v.decode() for k, v in (md.metadata or {}).items()},
        "columns": columns,
        "chunks": chunks,
        "rows": rows,
    }


def main() -> None:
    # DECIMAL(65,30) needs 65 significant digits; the default context keeps 28.
    decimal.getcontext().prec = 80
    command = sys.argv[1] if len(sys.argv) > 1 else "write"
    request = json.load(sys.stdin)
    if command == "write":
        result = {"files": [write_file(spec) for spec in request["files"]]}
    elif command == "inspect":
        result = {"files": [inspect_file(p) for p in request["paths"]]}
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
