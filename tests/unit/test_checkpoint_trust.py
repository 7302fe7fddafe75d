"""The checkpoint's trust data with a fixed clock: loading, saving, ageing, expiry and grace."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint_app.checkpoint import Checkpoint, CheckpointConfig, open_checkpoint
from checkpoint_app.trust import LoadOutcome, TrustLevel
from hcert.errors import Category, ErrorCode
from tests.checkpoint_factories import SteppedClock, World

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the list is published; it is valid 7 days
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def world() -> World:
    return World(T0 - 30 * DAY)


def open_at(world: World, tmp_path: Path, clock: SteppedClock, **kwargs: object) -> Checkpoint:
    config = CheckpointConfig(
        state_dir=tmp_path / "state", anchors=(world.write_anchor(tmp_path),), clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip
    return open_checkpoint(config)


def test_a_list_loaded_once_is_saved_and_used_again_with_no_network(
    world: World, tmp_path: Path
) -> None:
    clock = SteppedClock(T0 + HOUR)
    published = tmp_path / "published.json"
    published.write_bytes(world.publish(T0))
    first = open_at(world, tmp_path, clock, trust_file=published)
    assert first.trust.status().version == 1
    certificate = world.sign(issued_at=T0 - DAY)
    assert first.scan_text(certificate).verdict.valid

    published.unlink()  # the USB stick is gone, there is no network: a restart still verifies
    again = open_at(world, tmp_path, clock, trust_url="http://127.0.0.1:9/trust-list.json")
    status = again.trust.status()
    assert status.last_load is not None
    assert (status.version, status.level, status.last_load.source) == (1, TrustLevel.OK, "saved")
    assert again.scan_text(certificate).verdict.valid
    result = again.trust.load_url("http://127.0.0.1:9/trust-list.json")  # the discard port
    assert result.outcome is LoadOutcome.UNREACHABLE
    assert again.scan_text(certificate).verdict.valid  # the held list stays


def test_the_status_ages_then_expires_then_refuses(world: World, tmp_path: Path) -> None:
    clock = SteppedClock(T0 + HOUR)
    checkpoint = open_at(world, tmp_path, clock)
    checkpoint.trust.load_bytes(world.publish(T0), "test")
    certificate = world.sign(issued_at=T0 - DAY)

    status = checkpoint.trust.status()
    assert (status.level, status.age, status.expires_at) == (TrustLevel.OK, HOUR, T0 + 7 * DAY)
    clock.instant = T0 + 3 * DAY - timedelta(seconds=1)
    assert checkpoint.trust.status().level is TrustLevel.OK
    clock.instant = T0 + 3 * DAY  # the default warning age
    assert checkpoint.trust.status().level is TrustLevel.AGING
    assert checkpoint.scan_text(certificate).verdict.valid  # ageing warns, it does not refuse

    clock.instant = T0 + 7 * DAY  # expired: every verdict is TRUST_LIST
    assert checkpoint.trust.status().level is TrustLevel.EXPIRED
    verdict = checkpoint.scan_text(certificate).verdict
    assert (verdict.category, verdict.code) == (Category.TRUST_LIST, ErrorCode.TRUST_LIST_EXPIRED)


def test_the_officer_allows_the_grace_period_and_it_stays_visible(
    world: World, tmp_path: Path
) -> None:
    clock = SteppedClock(T0 + 7 * DAY + HOUR)
    checkpoint = open_at(world, tmp_path, clock, grace=48 * HOUR)
    clock.instant = T0
    checkpoint.trust.load_bytes(world.publish(T0), "test")
    clock.instant = T0 + 7 * DAY + HOUR
    certificate = world.sign(issued_at=T0 - DAY)
    assert checkpoint.scan_text(certificate).verdict.category is Category.TRUST_LIST

    checkpoint.update_settings({"grace_allowed": True})
    status = checkpoint.trust.status()
    assert (status.level, status.grace_until) == (TrustLevel.GRACE, T0 + 9 * DAY)
    assert checkpoint.scan_text(certificate).verdict.valid

    clock.instant = T0 + 9 * DAY  # the grace period is over too
    assert checkpoint.trust.status().level is TrustLevel.EXPIRED
    assert checkpoint.scan_text(certificate).verdict.category is Category.TRUST_LIST

    clock.instant = T0 + 8 * DAY  # and it persists: a restart keeps the officer's choice
    restarted = open_at(world, tmp_path, clock, grace=48 * HOUR)
    assert restarted.settings.grace_allowed
    assert restarted.trust.status().level is TrustLevel.GRACE


def test_an_expired_saved_list_shows_as_expired_not_missing(world: World, tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    open_at(world, tmp_path, clock).trust.load_bytes(world.publish(T0), "test")
    clock.instant = T0 + 10 * DAY
    status = open_at(world, tmp_path, clock).trust.status()
    assert (status.level, status.version) == (TrustLevel.EXPIRED, 1)


def test_a_list_already_expired_when_offered_is_refused(world: World, tmp_path: Path) -> None:
    clock = SteppedClock(T0 + 8 * DAY)
    checkpoint = open_at(world, tmp_path, clock)
    result = checkpoint.trust.load_bytes(world.publish(T0), "usb")
    assert (result.outcome, result.code) == (LoadOutcome.REFUSED, ErrorCode.TRUST_LIST_EXPIRED)
    assert checkpoint.trust.status().level is TrustLevel.MISSING
    assert not checkpoint.trust.saved_path.exists()


def test_rollback_is_refused_and_the_newer_list_stays_saved(world: World, tmp_path: Path) -> None:
    clock = SteppedClock(T0 + HOUR)
    checkpoint = open_at(world, tmp_path, clock)
    old, new = world.publish(T0), world.publish(T0)
    assert checkpoint.trust.load_bytes(new, "net").outcome is LoadOutcome.UPDATED
    result = checkpoint.trust.load_bytes(old, "usb")
    assert (result.outcome, result.code) == (LoadOutcome.REFUSED, ErrorCode.TRUST_LIST_ROLLBACK)
    assert checkpoint.trust.status().version == 2
    assert checkpoint.trust.saved_path.read_bytes() == new
    assert checkpoint.trust.load_bytes(new, "net").outcome is LoadOutcome.CURRENT


def test_a_badly_signed_or_foreign_list_is_refused(world: World, tmp_path: Path) -> None:
    clock = SteppedClock(T0 + HOUR)
    checkpoint = open_at(world, tmp_path, clock)
    envelope = json.loads(world.publish(T0))
    signed = base64.b64decode(envelope["signed"]).replace(b'"version":1', b'"version":9')
    forged = json.dumps({**envelope, "signed": base64.b64encode(signed).decode()}).encode()
    stranger = World(T0 - DAY).publish(T0)
    for data in (forged, stranger):
        result = checkpoint.trust.load_bytes(data, "usb")
        assert (result.outcome, result.code) == (
            LoadOutcome.REFUSED,
            ErrorCode.TRUST_LIST_BAD_SIGNATURE,
        )
    result = checkpoint.trust.load_bytes(b"not a list", "usb")
    assert (result.outcome, result.code) == (LoadOutcome.REFUSED, ErrorCode.TRUST_LIST_INVALID)
    assert checkpoint.trust.status().level is TrustLevel.MISSING
    verdict = checkpoint.scan_text(world.sign(issued_at=T0)).verdict
    assert verdict.code is ErrorCode.TRUST_LIST_MISSING


class _Publication(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path != "/trust-list.json":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def publication() -> Iterator[tuple[str, type[_Publication]]]:
    handler = type("Handler", (_Publication,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    thread.join()


def test_the_list_is_fetched_from_the_publication_url(
    world: World, tmp_path: Path, publication: tuple[str, type[_Publication]]
) -> None:
    base, handler = publication
    clock = SteppedClock(T0 + HOUR)
    checkpoint = open_at(world, tmp_path, clock, trust_url=f"{base}/trust-list.json")
    handler.body = world.publish(T0)
    result = checkpoint.trust.load_url(f"{base}/trust-list.json")
    assert (result.outcome, result.version) == (LoadOutcome.UPDATED, 1)
    assert checkpoint.trust.saved_path.read_bytes() == handler.body

    assert checkpoint.trust.load_url(f"{base}/missing.json").outcome is LoadOutcome.UNREACHABLE
    assert checkpoint.trust.load_url("file:///etc/passwd").code is ErrorCode.TRUST_LIST_INVALID
    handler.body = b'{"format": "vaxpass-trust-list/1"}'
    assert checkpoint.trust.load_url(f"{base}/trust-list.json").code is ErrorCode.TRUST_LIST_INVALID
    assert checkpoint.trust.status().version == 1
