"""A YUV4MPEG2 video of a still QR code, for Chromium's fake camera."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT = 640, 480


def write_qr_video(path: Path, png: bytes, *, frames: int = 3) -> None:
    """Write `frames` identical 4:2:0 frames showing the QR code `png` centred on white."""
    qr = Image.open(io.BytesIO(png)).convert("L")
    if max(qr.size) > HEIGHT:
        raise ValueError(f"QR image {qr.size} does not fit a {WIDTH}x{HEIGHT} frame")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)  # no colour: U = V = 128
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
