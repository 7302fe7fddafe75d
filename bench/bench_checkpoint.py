"""`make bench`: the checkpoint, from a scan reaching the app to the verdict painted on screen.

Real parts end to end: the app's threaded server on 127.0.0.1, Debian's chromium (headless,
through Playwright), the page's own code. Two ways in, 200 scans each, timed inside the page
with ``performance.now()``:

- wedge scanner: from the Enter keydown that ends a code typed on the document, to after the
  verdict is in the DOM (the next animation frame, then a task after its paint). The code's
  keys are dispatched as keydown events in the page: the same listener a scanner drives,
  without Playwright's per-key round trips;
- camera: from the grab of a frame of Chromium's fake camera (a Y4M video of a QR code) to the
  verdict painted; the frame goes through canvas → JPEG → POST → zxing-cpp → verify. The repeat
  window is set to 0 so that every frame gets its verdict painted again.

Baselines of the same run, in this process: the bare `Verifier.verify` of the same codes, and
`decode_qr_image` + verify of a 640×480 camera-like JPEG. Target (issue 5): < 150 ms median.
Prints, never asserts.
"""

from __future__ import annotations

import io
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image
from playwright.sync_api import sync_playwright

from checkpoint_app.checkpoint import CheckpointConfig
from checkpoint_app.web import create_app, local_server
from hcert.qrcode import render_png
from tests.checkpoint_factories import World, now_utc, vaccination
from tests.e2e.y4m import HEIGHT, WIDTH, write_qr_video
from verifier.qr import decode_qr_image

SCANS = 200
CHROMIUM = "/usr/bin/chromium"
TYPE_AND_WAIT = """async (text) => {
  const n = window.checkpointTimings.length;
  for (const key of text) document.dispatchEvent(new KeyboardEvent("keydown", {key}));
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter"}));
  while (window.checkpointTimings.length === n) await new Promise((r) => setTimeout(r, 2));
}"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median_ms(fn: object, items: list[object]) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def camera_frame(png: bytes) -> bytes:
    """The QR code on a 640×480 frame, as the page sends it (JPEG)."""
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    qr = Image.open(io.BytesIO(png)).convert("L")
    frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    out = io.BytesIO()
    frame.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-checkpoint-"))
    now = now_utc()
    world = World(now - timedelta(days=30))
    published = tmp / "trust-list.json"
    published.write_bytes(world.publish(now))
    app = create_app(
        CheckpointConfig(tmp / "state", (world.write_anchor(tmp),), trust_file=published)
    )
    checkpoint = app.extensions["checkpoint"]
    checkpoint.update_settings({"muted": True})
    checkpoint.repeat_window = timedelta(0)
    server = local_server(app, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"

    codes = [
        world.sign(vaccination(fn="Nguyễn", gn=f"Văn {i}"), issued_at=now - timedelta(days=1))
        for i in range(SCANS)
    ]
    png = render_png(codes[0], scale=4)
    video = tmp / "qr.y4m"
    write_qr_video(video, png)

    verify_ms = median_ms(checkpoint.verifier.verify, codes)  # type: ignore[arg-type]
    frame = camera_frame(png)
    decode_ms = median_ms(lambda f: checkpoint.verifier.verify(decode_qr_image(f)), [frame] * SCANS)  # type: ignore[arg-type]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--use-fake-ui-for-media-stream",
                  "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")
        for text in codes[:20]:  # warm-up
            page.evaluate(TYPE_AND_WAIT, text)
        page.evaluate("window.checkpointTimings.length = 0")
        for text in codes:
            page.evaluate(TYPE_AND_WAIT, text)
        wedge = page.evaluate("window.checkpointTimings.slice()")

        page.evaluate("window.checkpointTimings.length = 0")
        page.click("#camera")
        deadline = time.monotonic() + 120
        while page.evaluate("window.checkpointTimings.length") < SCANS + 20:
            if time.monotonic() > deadline:
                raise SystemExit("the camera produced too few verdicts")
            time.sleep(0.2)
        camera = page.evaluate("window.checkpointTimings.slice()")[20 : SCANS + 20]
        browser.close()
    server.shutdown()

    print(f"\ncheckpoint: scan → verdict painted, {SCANS} scans each, chromium "
          f"{CHROMIUM} headless ({platform.machine()}, Python {platform.python_version()})")  # fmt: skip
    rows = [
        ("bare Verifier.verify (baseline)", verify_ms, None, ""),
        ("wedge: Enter → verdict painted", statistics.median(wedge), percentile(wedge, 95),
         f"{statistics.median(wedge) / verify_ms:.0f}× the bare verify; target < 150 ms"),
        ("QR decode (zxing-cpp) + verify, 640×480 JPEG", decode_ms, None, "baseline"),
        ("camera: frame grab → verdict painted", statistics.median(camera), percentile(camera, 95),
         f"{statistics.median(camera) / decode_ms:.1f}× decode + verify; target < 150 ms"),
    ]  # fmt: skip
    for name, median, p95, note in rows:
        p95_text = f"p95 {p95:6.1f} ms" if p95 is not None else " " * 12
        print(f"  {name:<46} median {median:6.2f} ms  {p95_text}  {note}")


if __name__ == "__main__":
    main()
