"""Strict deterministic CBOR (RFC 8949).

Encoding uses cbor2 in canonical mode; every map anxinma writes has keys whose
encodings are one head byte of the same major type, for which cbor2's ordering
and the bytewise ordering of RFC 8949 §4.2.1 coincide (the decoder below checks
the latter, so a divergence could never pass silently).

Decoding is our own, because a verifier must refuse everything that is not the
one deterministic encoding of a value (RFC 8949 §4.2.1) and say which byte is at
fault: indefinite lengths, non-shortest heads, unsorted or duplicate map keys,
tags, floats and simple values other than false/true/null, invalid UTF-8,
trailing bytes, nesting deeper than ``max_depth`` and more than ``max_items``
data items.  Errors are :class:`~anxinma.errors.CborError` with a byte offset.
"""

from __future__ import annotations

import bisect
from typing import Any

import cbor2

from .errors import CborError

__all__ = ["decode", "encode"]

_SIMPLE = {20: False, 21: True, 22: None}


def encode(value: object) -> bytes:
    """Encode ``value`` deterministically (RFC 8949 §4.2.1)."""
    if type(value) is dict and set(map(type, value)) <= _INT and set(map(type, value.values())) <= _FLAT:
        # A flat int-keyed map (a claims set): in the order of its keys' encodings, which for
        # ints is the unsigned ones ascending, then the negative ones by argument (-1, -2, ...).
        keys = list(value)
        if set(keys) <= _ONE_BYTE_KEYS and sorted(keys, key=_ONE_BYTE_KEY.__getitem__) == keys:
            return cbor2.dumps(value)  # one-byte keys already in that order (to_claims builds so)
        items = sorted(value.items())  # keys are distinct: values are never compared
        first = bisect.bisect_left(items, (0,))  # the first unsigned key
        if first:
            items = items[first:] + items[first - 1 :: -1]
        return cbor2.dumps(dict(items))
    return cbor2.dumps(value, canonical=True)


_INT = frozenset({int})
#: The encoded byte of every integer that encodes in one byte (RFC 8949 §3.1): its order is
#: the deterministic order of such keys.
_ONE_BYTE_KEY = {key: key if key >= 0 else 0x1F - key for key in range(-24, 24)}
_ONE_BYTE_KEYS = frozenset(_ONE_BYTE_KEY)


def decode(data: bytes, *, max_depth: int = 4, max_items: int = 64) -> Any:
    """Decode one strict deterministic CBOR item that spans all of ``data``.

    Fast path (claims sets and protected headers): when ``data`` is a flat map
    of scalars whose keys are one-byte integers in RFC 8949 §4.2.1 order, within
    the limits, cbor2's C decoder reads it and the result is accepted only if
    re-encoding gives back exactly ``data``; the strict reader would then return
    the same value (a property test checks this).  Anything else goes to the
    strict reader, which accepts or names the byte at fault.
    """
    value = _fast(data, max_depth, max_items)
    if value is not _MISS:
        return value
    reader = _Reader(data, max_depth, max_items)
    value = reader.item(0)
    if reader.pos != len(data):
        raise CborError(reader.pos, f"{len(data) - reader.pos} trailing byte(s) after the item")
    return value


_MISS = object()
_INT_MIN, _INT_MAX = -(2**64), 2**64 - 1


_SCALARS = frozenset({bytes, str, bool, type(None)})
_FLAT = _SCALARS | {int}


def _fast(data: bytes, max_depth: int, max_items: int) -> Any:
    """A flat map of scalars with one-byte integer keys (a claims set, a protected
    header), decoded by cbor2 and accepted only if re-encoding gives ``data`` back."""
    if not data or not 0xA0 <= data[0] <= 0xB7 or max_depth < 1:
        return _MISS
    try:
        value = cbor2.loads(data)
    except Exception:  # anything cbor2 refuses is judged by the strict reader
        return _MISS
    if type(value) is not dict or 2 * len(value) + 1 > max_items or not _flat(value):
        return _MISS
    return value if cbor2.dumps(value) == data else _MISS


def _flat(value: dict[Any, Any]) -> bool:
    """Keys are one-byte integers in RFC 8949 §4.2.1 order; values are scalars."""
    last = -1
    for key, item in value.items():
        if type(key) is not int or not -24 <= key <= 23:
            return False
        head = key if key >= 0 else 0x1F - key  # the key's single encoded byte
        if head <= last:
            return False
        last = head
        kind = type(item)
        if kind is int:
            if not _INT_MIN <= item <= _INT_MAX:
                return False
        elif kind not in _SCALARS:
            return False
    return True


class _Reader:
    __slots__ = ("data", "items_left", "max_depth", "pos")

    def __init__(self, data: bytes, max_depth: int, max_items: int) -> None:
        self.data = data
        self.pos = 0
        self.max_depth = max_depth
        self.items_left = max_items

    def head(self) -> tuple[int, int, int]:
        """Read an initial byte and its argument: (major type, argument, start offset)."""
        start, data = self.pos, self.data
        if start >= len(data):
            raise CborError(start, "unexpected end of data")
        ib = data[start]
        major, info = ib >> 5, ib & 0x1F
        if info < 24:
            self.pos = start + 1
            return major, info, start
        if info > 27:
            what = "indefinite length" if info == 31 else f"reserved additional info {info}"
            raise CborError(start, f"{what} not allowed")
        size = 1 << (info - 24)
        end = start + 1 + size
        if end > len(data):
            raise CborError(start, "unexpected end of data in an item head")
        arg = int.from_bytes(data[start + 1 : end], "big")
        if arg < (24 if size == 1 else 1 << (4 * size)):
            raise CborError(start, f"argument {arg} not in its shortest form")
        self.pos = end
        return major, arg, start

    def item(self, depth: int) -> Any:
        self.items_left -= 1
        if self.items_left < 0:
            raise CborError(self.pos, "too many data items")
        pos = self.pos
        if pos < len(self.data):  # fast path: one-byte integers (most labels and small values)
            ib = self.data[pos]
            if ib < 0x18:
                self.pos = pos + 1
                return ib
            if 0x20 <= ib < 0x38:
                self.pos = pos + 1
                return 0x1F - ib
        return self.other(depth)

    def other(self, depth: int) -> Any:
        """Any item but a one-byte integer."""
        major, arg, start = self.head()
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major in (2, 3):
            return self.string(major, arg, start)
        if major in (4, 5):
            if depth >= self.max_depth:
                raise CborError(start, f"nesting deeper than {self.max_depth}")
            return self.array(arg, depth) if major == 4 else self.map(arg, depth)
        if major == 6:
            raise CborError(start, f"tag {arg} not allowed")
        if arg in _SIMPLE and self.data[start] < 0xF8:
            return _SIMPLE[arg]
        raise CborError(start, "floating-point and simple values other than false/true/null not allowed")

    def string(self, major: int, length: int, start: int) -> bytes | str:
        end = self.pos + length
        if end > len(self.data):
            raise CborError(start, f"string of {length} bytes runs past the end of data")
        raw = self.data[self.pos : end]
        self.pos = end
        if major == 2:
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CborError(start + 1 + exc.start, "invalid UTF-8 in a text string") from None

    def array(self, count: int, depth: int) -> list[Any]:
        if count > self.items_left:
            raise CborError(self.pos, "too many data items")
        return [self.item(depth + 1) for _ in range(count)]

    def map(self, count: int, depth: int) -> dict[Any, Any]:
        if 2 * count > self.items_left:
            raise CborError(self.pos, "too many data items")
        out: dict[Any, Any] = {}
        previous = b""
        for _ in range(count):
            start = self.pos
            key = self.item(depth + 1)
            if not isinstance(key, (int, str)) or isinstance(key, bool):
                raise CborError(start, "map keys must be integers or text strings")
            encoded = self.data[start : self.pos]
            if encoded <= previous:
                what = "duplicate" if encoded == previous else "out-of-order"
                raise CborError(start, f"{what} map key {key!r} (RFC 8949 §4.2.1 order)")
            previous = encoded
            out[key] = self.item(depth + 1)
        return out
