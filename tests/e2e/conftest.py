"""The checkpoint in a real browser: Debian's chromium driven by Playwright (no downloads).

One app server and one browser per test module. The browser's fake camera plays a Y4M video
made from the QR code of a certificate signed in the test; every request that is not to the
local app is blocked and recorded, so the tests also prove the page works offline.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from checkpoint_app.checkpoint import Checkpoint, CheckpointConfig
from checkpoint_app.web import create_app, local_server
from hcert.qrcode import render_png
from tests.checkpoint_factories import World, now_utc, vaccination
from tests.e2e.y4m import write_qr_video

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LOCAL = {"127.0.0.1", "localhost"}


@dataclass
class App:
    """A running checkpoint app and the world whose certificates it checks."""

    url: str
    world: World
    checkpoint: Checkpoint
    camera_certificate: str
    blocked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make sysdeps` installs Debian's chromium")
    tmp = tmp_path_factory.mktemp("checkpoint")
    now = now_utc()
    world = World(now - timedelta(days=30))
    published = tmp / "trust-list.json"
    published.write_bytes(world.publish(now))
    config = CheckpointConfig(
        state_dir=tmp / "state", anchors=(world.write_anchor(tmp),), trust_file=published
    )
    flask_app = create_app(config)
    server = local_server(flask_app, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    camera = world.sign(vaccination(fn="Lò", gn="Văn Pọm", dob="1990-03-15", dt="2026-10-01"),
                        issued_at=now - timedelta(days=1))  # fmt: skip
    try:
        yield App(f"http://127.0.0.1:{server.server_port}/", world,
                  flask_app.extensions["checkpoint"], camera)  # fmt: skip
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def browser(app: App, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    video = tmp_path_factory.mktemp("camera") / "qr.y4m"
    write_qr_video(video, render_png(app.camera_certificate, scale=4))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(app: App, browser: object) -> Iterator[object]:
    """A fresh page of the app in a context with no network beyond the local app."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]

    def only_local(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if urlsplit(url).hostname in LOCAL:
            route.continue_()  # type: ignore[attr-defined]
        else:
            app.blocked.append(url)
            route.abort("internetdisconnected")  # type: ignore[attr-defined]

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(app.url)
    page.wait_for_selector("body[data-ready='1']")
    yield page
    context.close()
    assert app.blocked == [], f"the page tried to reach the network: {app.blocked}"


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path
