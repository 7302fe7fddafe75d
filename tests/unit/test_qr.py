"""Drawing HC1 QR codes (hcert.qrcode) and reading them back from pixels (verifier.qr)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from hcert.errors import Category, ErrorCode, HcertError
from hcert.limits import DecodeLimits
from hcert.qrcode import QR_ALPHANUMERIC, make_qr, render_png, render_svg
from tests.conftest import REPO
from verifier.qr import decode_qr_image, looks_like_image

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# A typical vaccination certificate is 500-600 characters of HC1 text.
HC1_TEXT = "HC1:" + (ALPHABET * 13)[:546]

hc1_strings = st.text(alphabet=ALPHABET, min_size=1, max_size=700).map(lambda s: "HC1:" + s)


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG signature, an IHDR declaring `width`×`height` (8-bit grayscale), no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")


def _code(data: bytes, limits: DecodeLimits | None = None) -> ErrorCode:
    with pytest.raises(HcertError) as info:
        decode_qr_image(data, limits or DecodeLimits())
    return info.value.code


@pytest.fixture(scope="module")
def hc1_png() -> bytes:
    return render_png(HC1_TEXT)


# --- rendering ---------------------------------------------------------------------------


def test_qr_is_alphanumeric_mode_with_error_correction_q() -> None:
    symbol = make_qr(HC1_TEXT)
    assert symbol.mode == "alphanumeric"
    assert symbol.error == "Q"
    # 550 alphanumeric characters at level Q need version 18; a boosted level would not be Q.
    assert symbol.version == 18


def test_qr_alphanumeric_set_is_the_base45_alphabet() -> None:
    assert frozenset(ALPHABET) == QR_ALPHANUMERIC
    assert len(QR_ALPHANUMERIC) == 45


@pytest.mark.parametrize("text", ["hc1:ABC", "HC1:ABC\n", "HC1:É", "HC1:A_B", ""])
def test_render_refuses_text_outside_the_alphanumeric_set(text: str) -> None:
    with pytest.raises(ValueError, match=r"alphanumeric|empty"):
        render_png(text)


def test_render_refuses_text_too_long_for_a_qr_code() -> None:
    with pytest.raises(ValueError):
        render_png("HC1:" + "A" * 4_000)  # level Q holds at most 2,420 alphanumeric characters


def test_png_has_the_requested_geometry(hc1_png: bytes) -> None:
    image = Image.open(io.BytesIO(hc1_png))
    modules = 4 * 18 + 17  # version 18
    assert image.format == "PNG"
    assert image.size == ((modules + 2 * 4) * 4, (modules + 2 * 4) * 4)
    big = Image.open(io.BytesIO(render_png(HC1_TEXT, scale=2, border=1)))
    assert big.size == ((modules + 2) * 2, (modules + 2) * 2)


@pytest.mark.parametrize(("scale", "border"), [(0, 4), (4, -1)])
def test_render_refuses_bad_geometry(scale: int, border: int) -> None:
    with pytest.raises(ValueError):
        render_png(HC1_TEXT, scale=scale, border=border)


def test_svg_is_an_svg_document_of_the_same_symbol() -> None:
    svg = render_svg(HC1_TEXT, scale=3)
    assert svg.startswith(b"<?xml")
    assert b"<svg" in svg
    modules = 4 * 18 + 17 + 2 * 4
    assert f'width="{modules * 3}"'.encode() in svg


# --- reading: round trips ----------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hc1_strings)
def test_render_then_decode_round_trips(text: str) -> None:
    assert decode_qr_image(render_png(text)) == text


def test_decodes_png(hc1_png: bytes) -> None:
    assert decode_qr_image(hc1_png) == HC1_TEXT


def test_decodes_jpeg_quality_50(hc1_png: bytes) -> None:
    jpeg = _encode(_image(hc1_png).convert("RGB"), "JPEG", quality=50)
    assert jpeg.startswith(b"\xff\xd8\xff")
    assert decode_qr_image(jpeg) == HC1_TEXT


def test_decodes_downscaled_to_half(hc1_png: bytes) -> None:
    image = _image(hc1_png)
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    assert decode_qr_image(_encode(half, "PNG")) == HC1_TEXT


def test_decodes_rotated_10_degrees(hc1_png: bytes) -> None:
    rotated = _image(hc1_png).rotate(
        10, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255
    )
    assert decode_qr_image(_encode(rotated, "PNG")) == HC1_TEXT


def test_decodes_inverted_light_on_dark(hc1_png: bytes) -> None:
    inverted = ImageOps.invert(_image(hc1_png))
    assert decode_qr_image(_encode(inverted, "PNG")) == HC1_TEXT


def test_decodes_dark_on_transparent() -> None:
    out = io.BytesIO()
    make_qr(HC1_TEXT).save(out, kind="png", scale=4, light=None)  # transparent background
    assert decode_qr_image(out.getvalue()) == HC1_TEXT


@pytest.mark.parametrize(
    ("fmt", "options"), [("GIF", {}), ("BMP", {}), ("WEBP", {"lossless": True})]
)
def test_decodes_other_raster_formats(hc1_png: bytes, fmt: str, options: dict[str, object]) -> None:
    data = _encode(_image(hc1_png).convert("RGB"), fmt, **options)
    assert looks_like_image(data)
    assert decode_qr_image(data) == HC1_TEXT


@pytest.mark.parametrize("text", ["Đỗ Ngọc Vĩnh", "café", "https://example.org/?a=1&b=2"])
def test_byte_mode_text_is_decoded_to_str(text: str) -> None:
    symbol = segno.make_qr(text, error="q")  # UTF-8 or ISO-8859-1 byte mode, no ECI
    assert symbol.mode == "byte"
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=4)
    assert decode_qr_image(out.getvalue()) == text


# --- reading: the pyzbar fallback and missing readers ------------------------------------


def test_pyzbar_reads_when_zxing_finds_nothing(
    hc1_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zxingcpp

    calls: list[object] = []

    def finds_nothing(image: object, **options: object) -> list[object]:
        calls.append(image)
        return []

    monkeypatch.setattr(zxingcpp, "read_barcodes", finds_nothing)
    assert decode_qr_image(hc1_png) == HC1_TEXT
    assert len(calls) == 1  # zxing was asked first


@pytest.mark.parametrize("text", ["Đỗ Ngọc Vĩnh", "café"])
def test_pyzbar_fallback_decodes_byte_mode_text(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import zxingcpp

    monkeypatch.setattr(zxingcpp, "read_barcodes", lambda image, **options: [])
    out = io.BytesIO()
    segno.make_qr(text, error="q").save(out, kind="png", scale=4)
    assert decode_qr_image(out.getvalue()) == text


def test_pyzbar_alone_when_zxing_is_not_installed(
    hc1_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # makes `import zxingcpp` fail
    assert decode_qr_image(hc1_png) == HC1_TEXT


def test_no_reader_installed_is_format_unsupported(
    hc1_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("zxingcpp", "pyzbar", "pyzbar.pyzbar"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(HcertError) as info:
        decode_qr_image(hc1_png)
    assert info.value.code is ErrorCode.FORMAT_UNSUPPORTED
    assert info.value.category is Category.UNSUPPORTED
    assert "vaxpass[verifier]" in info.value.message


def test_no_code_found_by_either_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyzbar import pyzbar

    calls: list[object] = []
    real = pyzbar.decode

    def counting_decode(image: object, **options: object) -> object:
        calls.append(image)
        return real(image, **options)

    monkeypatch.setattr(pyzbar, "decode", counting_decode)
    blank = _encode(Image.new("L", (200, 200), 255), "PNG")
    assert _code(blank) is ErrorCode.QR_NOT_FOUND
    assert len(calls) == 1  # the fallback was tried before giving up


# --- reading: bad and oversized input ----------------------------------------------------


def test_empty_png_is_qr_not_found() -> None:
    assert _code(_encode(Image.new("RGB", (300, 300), "white"), "PNG")) is ErrorCode.QR_NOT_FOUND


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HC1:NCFOXN%TS3DH",
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # EPS: never handed to Ghostscript
    ],
    ids=["empty", "text", "garbage", "png-magic-only", "jpeg-magic-only", "eps"],
)
def test_garbage_is_image_unreadable(data: bytes) -> None:
    assert _code(data) is ErrorCode.IMAGE_UNREADABLE


def test_truncated_png_is_image_unreadable(hc1_png: bytes) -> None:
    assert _code(hc1_png[: len(hc1_png) // 2]) is ErrorCode.IMAGE_UNREADABLE


def test_header_without_pixels_is_image_unreadable() -> None:
    assert _code(_png_header_only(100, 100)) is ErrorCode.IMAGE_UNREADABLE


@pytest.mark.parametrize(
    ("width", "height"),
    [(7_000, 7_000), (100_000, 100_000), (2**31 - 1, 2**31 - 1)],
    ids=["over-our-limit", "pillow-bomb", "max-png"],
)
def test_oversize_declared_dimensions_are_refused_before_decoding(width: int, height: int) -> None:
    with pytest.raises(HcertError) as info:
        decode_qr_image(_png_header_only(width, height))
    assert info.value.code is ErrorCode.IMAGE_UNREADABLE
    assert "pixels" in info.value.message  # refused for its size, not for the missing pixels


def test_pixel_limit_is_the_callers(hc1_png: bytes) -> None:
    limits = DecodeLimits(max_image_pixels=388 * 388 - 1)
    assert _code(hc1_png, limits) is ErrorCode.IMAGE_UNREADABLE
    assert decode_qr_image(hc1_png, DecodeLimits(max_image_pixels=388 * 388)) == HC1_TEXT


def test_byte_limit_is_the_callers(hc1_png: bytes) -> None:
    assert (
        _code(hc1_png, DecodeLimits(max_image_bytes=len(hc1_png) - 1)) is ErrorCode.IMAGE_UNREADABLE
    )
    assert decode_qr_image(hc1_png, DecodeLimits(max_image_bytes=len(hc1_png))) == HC1_TEXT


def test_unsupported_pillow_format_is_image_unreadable(hc1_png: bytes) -> None:
    tiff = _encode(_image(hc1_png), "TIFF")
    assert not looks_like_image(tiff)
    assert _code(tiff) is ErrorCode.IMAGE_UNREADABLE


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_corrupted_images_yield_text_or_an_image_error(hc1_png: bytes, data: st.DataObject) -> None:
    image = bytearray(hc1_png)
    for _ in range(data.draw(st.integers(1, 8))):
        image[data.draw(st.integers(0, len(image) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(8, len(image)))
    try:
        text = decode_qr_image(bytes(image[:cut]))
    except HcertError as e:
        assert e.code in {ErrorCode.IMAGE_UNREADABLE, ErrorCode.QR_NOT_FOUND}
    else:
        assert isinstance(text, str)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes) -> None:
    with pytest.raises(HcertError) as info:
        decode_qr_image(data)
    assert info.value.code in {ErrorCode.IMAGE_UNREADABLE, ErrorCode.QR_NOT_FOUND}


# --- magic bytes ---------------------------------------------------------------------------


def test_looks_like_image_knows_each_format(hc1_png: bytes) -> None:
    rgb = _image(hc1_png).convert("RGB")
    assert looks_like_image(hc1_png)
    assert looks_like_image(_encode(rgb, "JPEG"))
    assert looks_like_image(_encode(rgb, "GIF"))
    assert looks_like_image(_encode(rgb, "BMP"))
    assert looks_like_image(_encode(rgb, "WEBP"))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HC1:NCFOXN%TS3DH",
        b"BM is the start of this text file",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"\x89PN",
    ],
)
def test_looks_like_image_refuses_text_and_other_files(data: bytes) -> None:
    assert not looks_like_image(data)


def test_modules_import_no_optional_library_eagerly() -> None:
    # segno, Pillow, zxing-cpp and pyzbar are optional extras: importing our modules must not
    # load them (a fresh interpreter, since this one has them loaded already).
    probe = (
        "import sys, hcert.qrcode, verifier.qr; "
        "print(sorted(m for m in ('segno', 'PIL', 'zxingcpp', 'pyzbar') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "[]"
