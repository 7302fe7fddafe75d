"""Reading a QR code from pixels: a photo, a screenshot or a scan of a printed passport.

zxing-cpp reads first (fast, and it finds rotated, inverted and downscaled codes); pyzbar is
the fallback when zxing finds nothing. Both, and Pillow, are the optional extra ``verifier``
and are imported only when an image is read.

The input is untrusted, so reading is bounded (`DecodeLimits.max_image_bytes` and
`max_image_pixels`, the latter checked on the header's declared size before any pixel is
decoded) and only a few common raster formats are opened: Pillow has many more plugins (EPS,
for instance, runs Ghostscript), and a checkpoint needs none of them. Every failure on bad
bytes is an `HcertError`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from hcert.errors import DecodeError, ErrorCode, HcertError, UnsupportedError
from hcert.limits import DecodeLimits

if TYPE_CHECKING:
    from PIL import Image

# Pillow format names opened by `decode_qr_image`; `looks_like_image` knows the same five.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")

_DEFAULT_LIMITS = DecodeLimits()
_INSTALL_HINT = "install vaxpass[verifier] (zxing-cpp or pyzbar, and Pillow)"
# BITMAPINFOHEADER and its variants: the DIB header sizes a real BMP declares at offset 14.
_BMP_DIB_HEADER_SIZES = frozenset((12, 16, 40, 52, 56, 64, 108, 124))


def looks_like_image(data: bytes) -> bool:
    """Whether `data` starts like a PNG, JPEG, GIF, BMP or WebP file (magic bytes only).

    Cheap and never raises: it tells an image file from an ``HC1:`` text file, it does not
    promise that the image opens.

    Args:
        data: the first bytes of a file (or all of it).

    Returns:
        True for the signature of one of the five formats.

    """
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")):
        return True
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return True
    # "BM" alone is too weak (a text file may start so): also require a known DIB header size.
    return (
        data.startswith(b"BM")
        and len(data) >= 18
        and int.from_bytes(data[14:18], "little") in _BMP_DIB_HEADER_SIZES
    )


def decode_qr_image(data: bytes, limits: DecodeLimits = _DEFAULT_LIMITS) -> str:
    """Read the text of the first QR code in an image.

    Args:
        data: the image file's bytes (PNG, JPEG, GIF, BMP or WebP).
        limits: `max_image_bytes` bounds `data`, `max_image_pixels` the declared image size.

    Returns:
        The decoded text (an HC1 code is alphanumeric mode, plain ASCII). Byte-mode content
        is transcoded as its ECI says; without an ECI, as UTF-8 when it is valid UTF-8, else
        as the reader guesses, normally ISO-8859-1 (the QR default, ISO/IEC 18004 §7.4.5).

    Raises:
        DecodeError: IMAGE_UNREADABLE for data over `max_image_bytes`, an image over
            `max_image_pixels`, or bytes that are not an image of a supported format
            (including truncated or corrupt files); QR_NOT_FOUND when no reader finds a QR
            code in the picture.
        UnsupportedError: FORMAT_UNSUPPORTED when Pillow, or both zxing-cpp and pyzbar, are
            not installed.

    """
    if len(data) > limits.max_image_bytes:
        raise DecodeError(
            ErrorCode.IMAGE_UNREADABLE,
            f"image is {len(data)} bytes, at most {limits.max_image_bytes} accepted",
        )
    image = _open_grayscale(data, limits)
    text = _read_with_zxing(image)
    if text is None:
        text = _read_with_pyzbar(image)
    if text is None:
        raise DecodeError(ErrorCode.QR_NOT_FOUND, "no QR code found in the image")
    return text


def _open_grayscale(data: bytes, limits: DecodeLimits) -> Image.Image:
    """Open `data` with Pillow, check its declared size, and decode it to 8-bit grayscale."""
    try:
        from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 (optional extra)
    except ImportError as e:
        raise UnsupportedError(
            ErrorCode.FORMAT_UNSUPPORTED, f"reading images needs Pillow: {_INSTALL_HINT}"
        ) from e
    if not data:
        raise DecodeError(ErrorCode.IMAGE_UNREADABLE, "image is empty")
    if not _reader_installed():
        raise UnsupportedError(
            ErrorCode.FORMAT_UNSUPPORTED, f"reading QR codes needs a QR reader: {_INSTALL_HINT}"
        )
    try:
        # Lazy: only the header is parsed here, so the declared size is known before any pixel
        # is decoded. Pillow itself raises DecompressionBombError beyond 2 × its own
        # MAX_IMAGE_PIXELS (a global we leave alone); our bound is checked next.
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
        width, height = image.size
        if width * height > limits.max_image_pixels:
            raise DecodeError(
                ErrorCode.IMAGE_UNREADABLE,
                f"image is {width}×{height} = {width * height} pixels, "
                f"at most {limits.max_image_pixels} accepted",
            )
        return _to_grayscale(image)
    except HcertError:
        raise
    except Image.DecompressionBombError as e:
        raise DecodeError(ErrorCode.IMAGE_UNREADABLE, f"image too large: {e}") from e
    except UnidentifiedImageError as e:
        formats = ", ".join(IMAGE_FORMATS)
        raise DecodeError(
            ErrorCode.IMAGE_UNREADABLE, f"not an image of a format read ({formats})"
        ) from e
    except Exception as e:
        # Pillow's decoders report malformed input with many types (OSError for "cannot
        # identify" and truncation, SyntaxError, ValueError, struct.error, EOFError,
        # IndexError, ...); on untrusted bytes every one of them means "not a readable image".
        raise DecodeError(
            ErrorCode.IMAGE_UNREADABLE, f"not a readable image: {type(e).__name__}: {e}"
        ) from e


def _to_grayscale(image: Image.Image) -> Image.Image:
    """Decode the pixels to mode ``L``, flattening transparency onto white first.

    A QR code drawn dark on a transparent background would otherwise turn dark on black.
    """
    from PIL import Image  # noqa: PLC0415 (optional extra "verifier")

    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if image.format == "JPEG":
        image.draft("L", image.size)  # let libjpeg decode straight to grayscale
    return image.convert("L")


def _reader_installed() -> bool:
    for module in ("zxingcpp", "pyzbar.pyzbar"):
        try:
            __import__(module)
        except ImportError:  # pyzbar raises it too when the zbar shared library is missing
            continue
        return True
    return False


def _read_with_zxing(image: Image.Image) -> str | None:
    """Return the first QR code's text that zxing-cpp finds, or None (also if not installed)."""
    try:
        import zxingcpp  # noqa: PLC0415 (optional extra "verifier")
    except ImportError:
        return None
    barcodes = zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        # Plain: the content itself, transcoded by ECI or, without one, by zxing's
        # UTF-8 / ISO-8859-1 detection (HRI would add GS1 parentheses).
        text_mode=zxingcpp.TextMode.Plain,
        try_rotate=True,  # any orientation: a phone held sideways, a photo of a sheet
        try_downscale=True,  # high-resolution photos
        try_invert=True,  # light-on-dark codes (phones in dark mode)
    )
    for barcode in barcodes:
        if barcode.valid:
            return str(barcode.text)
    return None


def _read_with_pyzbar(image: Image.Image) -> str | None:
    """Return the first QR code's text that zbar finds, or None (also if not installed)."""
    try:
        from pyzbar import pyzbar  # noqa: PLC0415 (optional extra "verifier")
    except ImportError:
        return None
    symbols = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    if not symbols:
        return None
    raw: bytes = symbols[0].data
    # zbar hands back text already converted to UTF-8 when it recognised the encoding; what it
    # could not convert stays raw, and raw byte-mode content is ISO-8859-1 by default.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
