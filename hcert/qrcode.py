"""Drawing an ``HC1:`` string as a QR code (PNG or SVG bytes), with segno.

hcert spec 4.2.2 (QR 2D barcode): the HC1 text is carried in a QR code (ISO/IEC 18004:2015); the
*alphanumeric* mode MUST be used with Base45, and error correction level *Q* (about 25 %) is
RECOMMENDED. Base45 (RFC 9285) was chosen because its alphabet is exactly
the QR alphanumeric set, and the ``HC1:`` prefix is in that set too, so a whole certificate fits
in one alphanumeric segment: 5.5 bits per character instead of 8 in byte mode.

segno is the optional extra ``sign`` and is imported only when a code is drawn. Nothing here
touches files: the image comes back as bytes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

# ISO/IEC 18004:2015 §7.4.4 (table 5): the 45 characters of alphanumeric mode. It is also the
# Base45 alphabet (RFC 9285 §4).
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def make_qr(text: str) -> segno.QRCode:
    """Build the QR symbol for `text`: alphanumeric mode, error correction Q (hcert spec 4.2.2).

    The error correction level is not boosted: Q is what the spec asks for, and a fixed level
    keeps the symbol version predictable for a given text length.

    Args:
        text: an ``HC1:`` string (or any text in the QR alphanumeric set).

    Returns:
        The segno symbol (``mode == "alphanumeric"``, ``error == "Q"``).

    Raises:
        ValueError: if `text` is empty, has a character outside the QR alphanumeric set
            (the message names the first one and its position), or is too long for a QR code
            at level Q (segno's ``DataOverflowError``, a ``ValueError``).
        ImportError: if segno is not installed (install ``vaxpass[sign]``).

    """
    if not text:
        raise ValueError("cannot draw a QR code of an empty text")
    for position, char in enumerate(text):
        if char not in QR_ALPHANUMERIC:
            raise ValueError(
                f"character {char!r} at position {position} is not in the QR alphanumeric set "
                "(0-9, A-Z, space, $%*+-./:); an HC1 string never contains one"
            )
    try:
        import segno  # noqa: PLC0415 (optional extra "sign")
    except ImportError as e:
        raise ImportError("drawing QR codes needs segno: install vaxpass[sign]") from e
    return segno.make_qr(text, mode="alphanumeric", error="q", boost_error=False)


def render_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """Draw `text` as a black-on-white PNG QR code.

    Args:
        text: an ``HC1:`` string.
        scale: pixels per module (at least 1).
        border: quiet zone in modules; ISO/IEC 18004 asks for 4.

    Returns:
        The PNG file's bytes (1 bit per pixel).

    Raises:
        ValueError: as `make_qr`, or for a `scale` below 1 or a negative `border`.
        ImportError: if segno is not installed.

    """
    return _render(text, "png", scale, border)


def render_svg(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """Draw `text` as an SVG QR code (UTF-8, with an XML declaration).

    Args:
        text: an ``HC1:`` string.
        scale: user units per module (at least 1).
        border: quiet zone in modules; ISO/IEC 18004 asks for 4.

    Returns:
        The SVG document's bytes.

    Raises:
        ValueError: as `make_qr`, or for a `scale` below 1 or a negative `border`.
        ImportError: if segno is not installed.

    """
    return _render(text, "svg", scale, border)


def _render(text: str, kind: str, scale: int, border: int) -> bytes:
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    if border < 0:
        raise ValueError(f"border must not be negative, got {border}")
    out = io.BytesIO()
    make_qr(text).save(out, kind=kind, scale=scale, border=border)
    return out.getvalue()
