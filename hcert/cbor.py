"""Bounded CBOR decoding (RFC 8949) on top of cbor2.

cbor2 enforces the nesting depth itself and never pre-allocates for declared lengths. The item
count is bounded by the input length (every data item takes at least one byte), so only inputs
longer than `DecodeLimits.max_cbor_items` bytes are scanned for their item count first.
"""

from __future__ import annotations

import io
from typing import Any

import cbor2

from hcert.errors import DecodeError, ErrorCode
from hcert.limits import DecodeLimits

_MAJOR_ARRAY, _MAJOR_MAP, _MAJOR_TAG = 4, 5, 6


def loads(data: bytes, limits: DecodeLimits) -> Any:
    """Decode one CBOR data item within `limits`, with the whole input consumed.

    Args:
        data: the encoded item.
        limits: depth and item bounds.

    Returns:
        The decoded Python value (cbor2's mapping: maps to dicts, unknown tags to CBORTag).

    Raises:
        DecodeError: CBOR_TOO_DEEP, CBOR_TOO_MANY_ITEMS, or CBOR_DECODING_FAILED for anything
            else cbor2 refuses (truncation, bad encoding, unhashable map keys, trailing bytes).
    """
    if len(data) > limits.max_cbor_items:
        _check_item_count(data, limits.max_cbor_items)
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, max_depth=limits.max_cbor_depth).decode()
    except cbor2.CBORDecodeError as e:
        if "depth" in str(e):
            raise DecodeError(
                ErrorCode.CBOR_TOO_DEEP, f"nesting deeper than {limits.max_cbor_depth} (limit)"
            ) from e
        raise DecodeError(ErrorCode.CBOR_DECODING_FAILED, f"CBOR: {e}") from e
    except (ValueError, TypeError, OverflowError, RecursionError) as e:
        raise DecodeError(ErrorCode.CBOR_DECODING_FAILED, f"CBOR: {e}") from e
    if stream.tell() != len(data):
        raise DecodeError(
            ErrorCode.CBOR_DECODING_FAILED,
            f"{len(data) - stream.tell()} bytes left over after the CBOR item",
        )
    return value


def _check_item_count(data: bytes, max_items: int) -> None:
    """Count data items without building them; fail fast past `max_items` (RFC 8949 §3)."""
    pos, items, pending = 0, 0, 1  # pending: items still to read at this point
    stack: list[int] = []
    n = len(data)
    while pending or stack:
        if pending == 0:
            pending = stack.pop()
            continue
        if pos >= n:
            return  # truncated: cbor2 reports it properly
        initial = data[pos]
        pos += 1
        major, info = initial >> 5, initial & 0x1F
        items += 1
        if items > max_items:
            raise DecodeError(
                ErrorCode.CBOR_TOO_MANY_ITEMS, f"more than {max_items} CBOR items (limit)"
            )
        pending -= 1
        if info < 24:
            arg = info
        elif info <= 27:
            size = 1 << (info - 24)
            arg = int.from_bytes(data[pos : pos + size], "big")
            pos += size
        elif info == 31 and major in (2, 3, 4, 5):
            # indefinite length: children run to the 0xFF break; count them as they come
            stack.append(pending)
            pending = -1
            continue
        else:
            if initial == 0xFF and pending < 0:
                pending = stack.pop()
                continue
            return  # reserved or stray break: let cbor2 reject it
        if major in (2, 3):
            pos += arg
        elif major in (_MAJOR_ARRAY, _MAJOR_MAP):
            stack.append(pending)
            pending = arg * (2 if major == _MAJOR_MAP else 1)
        elif major == _MAJOR_TAG:
            stack.append(pending)
            pending = 1
