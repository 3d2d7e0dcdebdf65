"""Apache Thrift compact protocol, generic: a struct is read into [[field_id, type, value], ...]
in wire order and written back byte-for-byte, so a Parquet footer can be edited (fields
dropped or replaced) without a generated schema. Used by dms_parquet_writer.py.
"""

from __future__ import annotations

import struct
from typing import Any

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
