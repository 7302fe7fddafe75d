"""The HC1 envelope, both directions (hcert spec 3): prefix → Base45 → zlib → COSE_Sign1."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hcert import base45, compression, cose, cwt
from hcert.errors import DecodeError, ErrorCode, UnsupportedError
from hcert.limits import DecodeLimits

PREFIX = "HC1:"  # hcert spec 4.2: context identifier, version 1
# Other health-certificate formats a scanner may meet; recognised to say so, not decoded.
_OTHER_FORMATS = re.compile(r"^(HC[2-9]:|shc:/|NL[0-9]:|DIVOC|https?://)", re.IGNORECASE)


def encode_envelope(cose_bytes: bytes) -> str:
    """Compress, Base45-encode and prefix a COSE message (hcert spec 3.2, 4.2)."""
    return PREFIX + base45.encode(compression.compress(cose_bytes))


def sign(
    dcc: Mapping[str, Any],
    signer: cose.Signer,
    *,
    issuer: str,
    issued_at: datetime,
    expires_at: datetime,
) -> str:
    """Sign a DCC payload into an ``HC1:`` string: CWT → COSE_Sign1 → zlib → Base45 → prefix.

    Args:
        dcc: the DCC payload as a JSON-compatible mapping (validate it with `hcert.dcc` first).
        signer: the DSC's signer.
        issuer: the `iss` claim (the issuing country, e.g. ``"VN"``).
        issued_at: the `iat` claim.
        expires_at: the `exp` claim.

    Returns:
        The text to put in the QR code.
    """
    payload = cwt.encode_cwt(issuer=issuer, issued_at=issued_at, expires_at=expires_at, dcc=dcc)
    return encode_envelope(cose.encode_sign1(payload, signer))


def strip_prefix(text: str, limits: DecodeLimits) -> str:
    """Check size and prefix of scanned text and return the Base45 part.

    Surrounding whitespace (scanners append CR/LF) is ignored.

    Raises:
        DecodeError: INPUT_EMPTY, INPUT_TOO_LONG, PREFIX_MISSING.
        UnsupportedError: FORMAT_UNSUPPORTED for another known certificate format.
    """
    if len(text) > limits.max_text_chars:
        raise DecodeError(
            ErrorCode.INPUT_TOO_LONG,
            f"got {len(text)} characters, at most {limits.max_text_chars} accepted",
        )
    text = text.strip()
    if not text:
        raise DecodeError(ErrorCode.INPUT_EMPTY, "nothing to verify")
    if not text.startswith(PREFIX):
        if _OTHER_FORMATS.match(text):
            raise UnsupportedError(
                ErrorCode.FORMAT_UNSUPPORTED, f"got {text[:6]!r}…, only HC1 certificates are read"
            )
        raise DecodeError(ErrorCode.PREFIX_MISSING, f"got {text[:4]!r}, expected {PREFIX!r}")
    return text[len(PREFIX) :]


def decode_envelope(text: str, limits: DecodeLimits, *, allow_uncompressed: bool = False) -> bytes:
    """Undo prefix, Base45 and zlib: return the COSE bytes.

    Args:
        text: the scanned ``HC1:`` text.
        limits: decoding bounds.
        allow_uncompressed: accept COSE that was not zlib-compressed. The spec says issuers
            SHALL compress (hcert spec 3.2), so the default refuses it (`NOT_COMPRESSED`).

    Returns:
        The COSE_Sign1 bytes.

    Raises:
        DecodeError: INPUT_*, PREFIX_MISSING, BASE45_DECODING_FAILED, NOT_COMPRESSED,
            DECOMPRESSION_FAILED, INFLATED_TOO_LARGE.
        UnsupportedError: FORMAT_UNSUPPORTED.
    """
    raw = base45.decode(strip_prefix(text, limits))
    if compression.looks_compressed(raw):
        return compression.inflate(raw, limits.max_inflated_bytes)
    if allow_uncompressed:
        return raw
    raise DecodeError(ErrorCode.NOT_COMPRESSED, "the COSE message is not zlib-compressed")
