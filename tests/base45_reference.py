"""The straightforward RFC 9285 Base45 loops, one character at a time.

An independent oracle for `hcert.base45` in the tests, and the per-character baseline its lane
arithmetic is measured against in `bench/bench_core.py`.
"""

from __future__ import annotations

from hcert.base45 import ALPHABET


def reference_encode(data: bytes) -> str:
    """RFC 9285 §4.2, one pair at a time."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [n % 45, n // 45 % 45, n // 2025]
    if len(data) % 2:
        out += [data[-1] % 45, data[-1] // 45]
    return "".join(ALPHABET[v] for v in out)


def reference_decode(text: str) -> bytes:
    """RFC 9285 §4.3, one triple at a time; ValueError or OverflowError on invalid input."""
    if len(text) % 3 == 1:
        raise ValueError(text)
    values = [ALPHABET.index(c) for c in text]  # ValueError outside the alphabet
    out = bytearray()
    for i in range(0, len(values) - 2, 3):
        n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        out += n.to_bytes(2, "big")  # OverflowError over 16 bits
    if len(values) % 3 == 2:
        out.append(values[-2] + values[-1] * 45)  # ValueError when > 255
    return bytes(out)
