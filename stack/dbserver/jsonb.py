"""Decode Databend's binary JSONB (how the embedded engine returns VARIANT) into compact JSON text.

The HTTP server returns VARIANT as compact JSON text; the embedded engine gives the raw JSONB bytes,
so the server has to render them itself. Layout (databend `jsonb` crate):
  container header u32 BE: 0x80000000 array | 0x40000000 object | 0x20000000 scalar, low 28 bits = count
  jentry u32 BE: bits 28..30 = kind, low 28 bits = payload length
  object: header, key jentries, value jentries, key bytes, value bytes (keys sorted)
  number payload: tag byte 0x00 zero | 0x40 int BE | 0x50 uint BE | 0x60 f64 BE | 0x70 decimal
                  (i64/i128/i256 BE, then one scale byte) | 0x10 NaN | 0x20 +inf | 0x30 -inf
"""

import json
import math
import re
import struct

_ARRAY, _OBJECT, _SCALAR = 0x80000000, 0x40000000, 0x20000000
_KIND_MASK, _LEN_MASK = 0x70000000, 0x0FFFFFFF
_NULL, _STRING, _NUMBER, _FALSE, _TRUE, _CONTAINER = (
    0x00000000, 0x10000000, 0x20000000, 0x30000000, 0x40000000, 0x50000000)


class JsonbDecodeError(ValueError):
    pass


def to_json_text(data: bytes) -> str:
    return _render(_container(memoryview(data)))


def _u32(buf: memoryview, at: int) -> int:
    return struct.unpack_from(">I", buf, at)[0]


def _container(buf: memoryview):
    header = _u32(buf, 0)
    count = header & _LEN_MASK
    kind = header & 0xE0000000
    if kind == _SCALAR:
        return _value(_u32(buf, 4), buf[8:])
    if kind == _ARRAY:
        entries = [_u32(buf, 4 + 4 * i) for i in range(count)]
        return _Items(_values(entries, buf, 4 + 4 * count))
    if kind == _OBJECT:
        entries = [_u32(buf, 4 + 4 * i) for i in range(2 * count)]
        parts = _values(entries, buf, 4 + 8 * count)
        return _Object(zip(parts[:count], parts[count:]))
    raise JsonbDecodeError(f"unknown JSONB container header {header:#010x}")


def _values(entries, buf: memoryview, offset: int):
    out = []
    for entry in entries:
        length = entry & _LEN_MASK
        out.append(_value(entry, buf[offset:offset + length]))
        offset += length
    return out


def _value(entry: int, payload: memoryview):
    kind = entry & _KIND_MASK
    if kind == _NULL:
        return None
    if kind == _TRUE:
        return True
    if kind == _FALSE:
        return False
    if kind == _STRING:
        return bytes(payload).decode("utf-8")
    if kind == _NUMBER:
        return _number(bytes(payload))
    if kind == _CONTAINER:
        return _container(payload)
    raise JsonbDecodeError(f"unsupported JSONB entry kind {kind:#010x}")


class _Number:
    """A number already rendered as JSON text (keeps integers and decimals exact)."""

    def __init__(self, text: str):
        self.text = text


class _Items(list):
    pass


class _Object(list):
    def __init__(self, pairs):
        super().__init__(pairs)


def _number(raw: bytes) -> _Number:
    tag, body = raw[0], raw[1:]
    if tag == 0x00:
        return _Number("0")
    if tag == 0x40:
        return _Number(str(int.from_bytes(body, "big", signed=True)))
    if tag == 0x50:
        return _Number(str(int.from_bytes(body, "big", signed=False)))
    if tag == 0x60:
        value = struct.unpack(">d", body)[0]
        return _Number(_float_text(value))
    if tag == 0x70:
        scale = body[-1]
        unscaled = int.from_bytes(body[:-1], "big", signed=True)
        return _Number(_decimal_text(unscaled, scale))
    if tag in (0x10, 0x20, 0x30):
        return _Number({0x10: "NaN", 0x20: "Infinity", 0x30: "-Infinity"}[tag])
    raise JsonbDecodeError(f"unsupported JSONB number tag {tag:#04x}")


def _float_text(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    # Python writes 2.5e-07; Databend writes 2.5e-7 (and 1e+300, like Python).
    return re.sub(r"e([+-])0+(\d)", r"e\1\2", repr(value))


def _decimal_text(unscaled: int, scale: int) -> str:
    if scale == 0:
        return str(unscaled)
    sign = "-" if unscaled < 0 else ""
    digits = str(abs(unscaled)).rjust(scale + 1, "0")
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"


def _render(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, _Number):
        return value.text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, _Object):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_render(v)}" for k, v in value) + "}"
    if isinstance(value, _Items):
        return "[" + ",".join(_render(v) for v in value) + "]"
    raise JsonbDecodeError(f"cannot render {type(value).__name__}")
