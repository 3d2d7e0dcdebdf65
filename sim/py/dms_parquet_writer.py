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

decimal.getcontext().prec = 80

# ---------------------------------------------------------------- Thrift compact protocol

T_STOP, T_TRUE, T_FALSE, T_BYTE, T_I16, T_I32, T_I64, T_DOUBLE = 0, 1, 2, 3, 4, 5, 6, 7
T_BINARY, T_LIST, T_SET, T_MAP, T_STRUCT = 8, 9, 10, 11, 12


class Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, ttype: int) -> Any:
        if ttype in (T_TRUE, T_FALSE):
            # Inside a list a bool is a whole byte; as a field its value is in the type.
            return self.byte() == 1
        if ttype == T_BYTE:
            return self.byte()
        if ttype in (T_I16, T_I32, T_I64):
            return self.zigzag()
        if ttype == T_DOUBLE:
            v = struct.unpack_from("<d", self.data, self.pos)[0]
            self.pos += 8
            return v
        if ttype == T_BINARY:
            n = self.varint()
            v = self.data[self.pos : self.pos + n]
            self.pos += n
            return v
        if ttype in (T_LIST, T_SET):
            header = self.byte()
            size = header >> 4
            if size == 15:
                size = self.varint()
            etype = header & 0x0F
            return ("list", etype, [self.value(etype) for _ in range(size)])
        if ttype == T_MAP:
            size = self.varint()
            if size == 0:
                return ("map", 0, 0, [])
            kv = self.byte()
            kt, vt = kv >> 4, kv & 0x0F
            return ("map", kt, vt, [(self.value(kt), self.value(vt)) for _ in range(size)])
        if ttype == T_STRUCT:
            return self.struct()
        raise ValueError(f"unknown thrift type {ttype}")

    def struct(self) -> list[list[Any]]:
        """A struct as [[field_id, type, value], ...] in wire order."""
        fields: list[list[Any]] = []
        last = 0
        while True:
            header = self.byte()
            ttype = header & 0x0F
            if ttype == T_STOP:
                return fields
            delta = header >> 4
            fid = last + delta if delta else self.zigzag()
            if ttype in (T_TRUE, T_FALSE):
                value: Any = ttype == T_TRUE
            else:
                value = self.value(ttype)
            fields.append([fid, ttype, value])
            last = fid


class Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def varint(self, n: int) -> None:
        while True:
            if n < 0x80:
                self.out.append(n)
                return
            self.out.append((n & 0x7F) | 0x80)
            n >>= 7

    def zigzag(self, n: int) -> None:
        self.varint((n << 1) ^ (n >> 63))

    def value(self, ttype: int, v: Any) -> None:
        if ttype in (T_TRUE, T_FALSE):
            self.out.append(1 if v else 2)
        elif ttype == T_BYTE:
            self.out.append(v & 0xFF)
        elif ttype in (T_I16, T_I32, T_I64):
            self.zigzag(v)
        elif ttype == T_DOUBLE:
            self.out += struct.pack("<d", v)
        elif ttype == T_BINARY:
            self.varint(len(v))
            self.out += v
        elif ttype in (T_LIST, T_SET):
            _, etype, items = v
            if len(items) < 15:
                self.out.append((len(items) << 4) | etype)
            else:
                self.out.append(0xF0 | etype)
                self.varint(len(items))
            for item in items:
                self.value(etype, item)
        elif ttype == T_MAP:
            _, kt, vt, items = v
            self.varint(len(items))
            if items:
                self.out.append((kt << 4) | vt)
                for k, val in items:
                    self.value(kt, k)
                    self.value(vt, val)
        elif ttype == T_STRUCT:
            self.struct(v)
        else:
            raise ValueError(f"unknown thrift type {ttype}")

    def struct(self, fields: list[list[Any]]) -> None:
        last = 0
        for fid, ttype, value in fields:
            wire_type = (T_TRUE if value else T_FALSE) if ttype in (T_TRUE, T_FALSE) else ttype
            delta = fid - last
            if 0 < delta <= 15:
                self.out.append((delta << 4) | wire_type)
            else:
                self.out.append(wire_type)
                self.zigzag(fid)
            if ttype not in (T_TRUE, T_FALSE):
                self.value(ttype, value)
            last = fid
        self.out.append(T_STOP)


def field(fields: list[list[Any]], fid: int) -> Any:
    for f in fields:
        if f[0] == fid:
            return f[2]
    return None


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
        return str(v)
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
