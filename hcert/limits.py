"""Bounds on decoding untrusted input, in one documented place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """Every bound the decoder enforces on untrusted input.

    The defaults fit any real certificate with a wide margin: a QR code holds at most
    4,296 alphanumeric characters, and real HCERT payloads inflate to well under 4 KiB.

    Attributes:
        max_text_chars: longest accepted input text, prefix included.
        max_inflated_bytes: largest accepted zlib output; inflation stops as soon as it is
            exceeded, so a decompression bomb costs at most this much memory.
        max_cbor_depth: deepest accepted nesting of CBOR arrays, maps and tags.
        max_cbor_items: most CBOR data items in one decoded structure. Every item takes at
            least one byte, so structures shorter than this are within bounds by construction
            and are not scanned.
        max_image_pixels: largest image (width × height) handed to the QR reader.
        max_image_bytes: largest image file read from disk or standard input.
    """

    max_text_chars: int = 8_192
    max_inflated_bytes: int = 65_536
    max_cbor_depth: int = 16
    max_cbor_items: int = 4_096
    max_image_pixels: int = 40_000_000
    max_image_bytes: int = 20_000_000
