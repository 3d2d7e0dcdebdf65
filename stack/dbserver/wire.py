"""Databend's wire format for `/v1/query` results: type names and value text, from Arrow results.

The embedded engine returns Arrow tables; the HTTP server encodes values as text (JSON mode,
`http_json_result_mode = display`). These functions reproduce that encoding for the types the
engine returns, so `databend-driver` decodes the same JS values it would from a real server.
"""

import datetime
import decimal
import math
import struct

import pyarrow as pa

from .jsonb import to_json_text

_INT_NAMES = {
    pa.int8(): "Int8", pa.int16(): "Int16", pa.int32(): "Int32", pa.int64(): "Int64",
    pa.uint8(): "UInt8", pa.uint16(): "UInt16", pa.uint32(): "UInt32", pa.uint64(): "UInt64",
}


def is_variant(field: pa.Field) -> bool:
    return bool(field.metadata) and field.metadata.get(b"Extension") == b"Variant"


def type_name(field: pa.Field, top_level: bool = True) -> str:
    """`DataType::wrapped_display()`: `Nullable(T)` at the top level, `T NULL` when nested."""
    t = field.type
    if pa.types.is_null(t):
        return "NULL"
    inner = _inner_type_name(field)
    if not field.nullable:
        return inner
    return f"Nullable({inner})" if top_level else f"{inner} NULL"


def _inner_type_name(field: pa.Field) -> str:
    t = field.type
    if t in _INT_NAMES:
        return _INT_NAMES[t]
    if pa.types.is_boolean(t):
        return "Boolean"
    if pa.types.is_float32(t):
        return "Float32"
    if pa.types.is_float64(t):
        return "Float64"
    if pa.types.is_decimal(t):
        return f"Decimal({t.precision}, {t.scale})"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "String"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "Variant" if is_variant(field) else "Binary"
    if pa.types.is_date(t):
        return "Date"
    if pa.types.is_timestamp(t):
        return "Timestamp"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"Array({type_name(t.value_field, top_level=False)})"
    if pa.types.is_map(t):
        return f"Map({type_name(t.key_field, False)}, {type_name(t.item_field, False)})"
    if pa.types.is_struct(t):
        return "Tuple(" + ", ".join(type_name(t.field(i), False) for i in range(t.num_fields)) + ")"
    raise UnsupportedType(f"no Databend type name for Arrow type {t}")


class UnsupportedType(TypeError):
    pass


def encode_column(field: pa.Field, values: list) -> list:
    encode = _encoder(field)
    return [None if v is None else encode(v) for v in values]


def _encoder(field: pa.Field):
    t = field.type
    if pa.types.is_boolean(t):
        return lambda v: "1" if v else "0"
    if pa.types.is_float32(t):
        return _float32_text
    if pa.types.is_floating(t):
        return _float_text
    if pa.types.is_decimal(t):
        return lambda v: _decimal_text(v, t.scale)
    if pa.types.is_timestamp(t):
        return _timestamp_text
    if pa.types.is_date(t):
        return lambda v: f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return to_json_text if is_variant(field) else (lambda v: bytes(v).hex().upper())
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _nested_list_encoder(t.value_field)
    if pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return str
    return str


def _nested_list_encoder(value_field: pa.Field):
    inner = _encoder(value_field)
    quote = _is_textual(value_field.type)

    def encode(items):
        parts = []
        for item in items:
            if item is None:
                parts.append("NULL")
            elif quote:
                parts.append("'" + inner(item).replace("\\", "\\\\").replace("'", "\\'") + "'")
            else:
                parts.append(inner(item))
        return "[" + ",".join(parts) + "]"

    return encode


def _is_textual(t: pa.DataType) -> bool:
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
            or pa.types.is_timestamp(t) or pa.types.is_date(t))


def _float_text(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == int(v) and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _float32_text(v: float) -> str:
    """Shortest text that reads back as the same float32 (Arrow hands us the widened double)."""
    if math.isnan(v) or math.isinf(v):
        return _float_text(v)
    target = struct.pack("<f", v)
    for digits in range(1, 10):
        text = f"{v:.{digits}g}"
        if struct.pack("<f", float(text)) == target:
            return _float_text(float(text)) if "e" not in text else text
    return repr(v)


_WIDE = decimal.Context(prec=100)  # DECIMAL goes up to 76 digits; the default context keeps 28


def _decimal_text(v: decimal.Decimal, scale: int) -> str:
    return f"{v.quantize(decimal.Decimal(1).scaleb(-scale), context=_WIDE):f}"


def _timestamp_text(v: datetime.datetime) -> str:
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")


AFFECTED_ROW_COLUMNS = (
    "number of rows inserted", "number of rows updated", "number of rows deleted", "Rows_loaded",
)


def affected_rows(table: pa.Table) -> int:
    """What a real server reports as `write_progress.rows` for DML, read off the result block."""
    total = 0
    for name in AFFECTED_ROW_COLUMNS:
        if name in table.column_names:
            total += sum(v for v in table.column(name).to_pylist() if v is not None)
    return total
