"""The checkpoint's JSON endpoints through Flask's test client, and its privacy on a real server."""

from __future__ import annotations

import io
import json
import logging
import threading
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from checkpoint_app.checkpoint import CheckpointConfig
from checkpoint_app.web import create_app, local_server
from hcert.qrcode import render_png
from tests.checkpoint_factories import SteppedClock, World, now_utc, tampered, vaccination

H = {"X-Checkpoint": "1"}


@pytest.fixture
def world() -> World:
    return World(now_utc() - timedelta(days=30))


@pytest.fixture
def app(world: World, tmp_path: Path) -> Flask:
    published = tmp_path / "trust-list.json"
    published.write_bytes(world.publish(now_utc()))
    config = CheckpointConfig(tmp_path / "state", (world.write_anchor(tmp_path),),
                              trust_file=published, clock=SteppedClock(now_utc()))  # fmt: skip
    return create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def scan(client: FlaskClient, text: str) -> dict[str, Any]:
    response = client.post("/api/scan/text", json={"text": text}, headers=H)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[return-value]


def test_the_page_and_its_assets_are_local(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert b'<script src="/static/checkpoint.js">' in page.data
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in ("/static/checkpoint.js", "/static/checkpoint.css"):
        assert client.get(asset).status_code == 200
    assert b"http" not in page.data.replace(b"http-equiv", b"")  # no CDN, no outside link
    texts = client.get("/api/texts").json
    assert texts["vi"]["ui"]["ready"] == "Sẵn sàng quét"
    assert texts["en"]["modes"]["booster"] == "Booster dose"


def test_a_valid_scan_shows_the_holder_and_counts(client: FlaskClient, world: World) -> None:
    body = scan(client, world.sign(vaccination(fn="Lò", gn="Văn Pọm", dob="1990-03-15"),
                                   issued_at=now_utc()))  # fmt: skip
    assert (body["outcome"], body["category"], body["title"]["vi"]) == ("valid", "VALID", "HỢP LỆ")
    assert body["holder"] == {"name": "Lò Văn Pọm", "name_t": "LO VAN POM", "dob": "15/03/1990"}
    assert (
        body["certificate"]["en"]
        == "Vaccination · dose 2/2 · 01/10/2021 · Comirnaty (Pfizer-BioNTech)"
    )
    assert body["state"]["counters"]["scans"] == 1
    assert body["state"]["trust"]["level"] == "ok"
    assert body["state"]["trust"]["text"]["vi"].startswith("Danh sách tin cậy v1 · phát hành ")


def test_red_and_amber_show_no_holder(client: FlaskClient, world: World) -> None:
    red = scan(client, tampered(world.sign(issued_at=now_utc()), b"1985-03-09", b"1985-03-19"))
    assert (red["outcome"], red["category"], red["code"]) == (
        "invalid",
        "BAD_SIGNATURE",
        "SIGNATURE_INVALID",
    )
    assert red["reason"]["vi"] == "Chữ ký không hợp lệ: chứng nhận có thể đã bị sửa"
    assert "holder" not in red and "certificate" not in red
    client.post("/api/settings", json={"mode": "booster"}, headers=H)
    amber = scan(client, world.sign(issued_at=now_utc()))
    assert (amber["outcome"], amber["category"], amber["rule"]) == (
        "rules",
        "RULES_FAILED",
        "BOOSTER",
    )
    assert amber["reason"]["en"] == "No booster dose (dose 2/2)"
    assert "holder" not in amber and amber["certificate"]["vi"].startswith("Tiêm chủng · mũi 2/2")
    garbage = scan(client, "HC1:NOT BASE45 ~~")
    assert (garbage["outcome"], garbage["category"]) == ("invalid", "MALFORMED")
    counters = garbage["state"]["counters"]
    assert (
        counters["scans"],
        counters["valid"],
        counters["invalid"],
        counters["rules_failed"],
    ) == (3, 0, 3, 1)


def test_pictures_and_frames(client: FlaskClient, world: World) -> None:
    png = render_png(world.sign(issued_at=now_utc()))
    found = client.post(
        "/api/scan/image", data=png, headers={**H, "Content-Type": "image/png"}
    ).json
    assert (found["found"], found["outcome"]) == (True, "valid")
    blank = io.BytesIO()
    Image.new("L", (320, 240), 255).save(blank, "JPEG")
    nothing = client.post("/api/scan/image", data=blank.getvalue(), headers=H).json
    assert (nothing["found"], nothing["code"]) == (False, "QR_NOT_FOUND")
    assert nothing["reason"]["vi"] == "Không tìm thấy mã QR trong ảnh"
    broken = client.post("/api/scan/image", data=b"\x89PNG\r\n\x1a\nbroken", headers=H).json
    assert (broken["found"], broken["code"]) == (False, "IMAGE_UNREADABLE")
    assert broken["state"]["counters"]["scans"] == 1  # a frame without a code is not a scan


def test_settings_are_checked_and_persisted(client: FlaskClient, app: Flask) -> None:
    bad = client.post("/api/settings", json={"mode": "strict"}, headers=H)
    assert (bad.status_code, bad.json["code"]) == (400, "BAD_SETTING")
    assert "expected one of ['any', 'vaccinated', 'booster']" in bad.json["detail"]
    assert client.post("/api/settings", json={"colour": "red"}, headers=H).status_code == 400
    assert client.post("/api/settings", json={"muted": "yes"}, headers=H).status_code == 400
    ok = client.post("/api/settings", json={"mode": "vaccinated", "muted": True, "language": "en"},
                     headers=H)  # fmt: skip
    assert ok.json["settings"] == {"mode": "vaccinated", "accept_recovery": True,
                                   "grace_allowed": False, "muted": True, "language": "en"}  # fmt: skip
    saved = app.extensions["checkpoint"].settings_file.path
    assert json.loads(saved.read_text())["mode"] == "vaccinated"


def test_trust_list_upload_and_refresh(client: FlaskClient, world: World) -> None:
    newer = world.publish(now_utc())
    loaded = client.post("/api/trust/upload", data=newer, headers=H).json
    assert (loaded["load"]["outcome"], loaded["load"]["version"]) == ("updated", 2)
    assert loaded["load"]["text"]["vi"] == "Đã cập nhật lên phiên bản 2"
    refused = client.post("/api/trust/upload", data=b"{}", headers=H).json
    assert (refused["load"]["outcome"], refused["load"]["code"]) == (
        "refused",
        "TRUST_LIST_INVALID",
    )
    assert refused["state"]["trust"]["version"] == 2
    no_url = client.post("/api/trust/refresh", headers=H)
    assert (no_url.status_code, no_url.json["code"]) == (400, "NO_TRUST_URL")


def test_counters_reset(client: FlaskClient, world: World) -> None:
    scan(client, world.sign(issued_at=now_utc()))
    state = client.post("/api/counters/reset", headers=H).json
    assert (state["counters"]["scans"], state["counters"]["valid"]) == (0, 0)


def test_requests_from_other_sites_are_refused(client: FlaskClient, world: World) -> None:
    text = world.sign(issued_at=now_utc())
    no_header = client.post("/api/scan/text", json={"text": text})
    assert (no_header.status_code, no_header.json["code"]) == (403, "FORBIDDEN")
    rebound = client.get("/api/state", headers={"Host": "evil.example:8400"})
    assert (rebound.status_code, rebound.json["code"]) == (403, "FORBIDDEN_HOST")
    assert client.get("/api/state").json["counters"]["scans"] == 0
    assert client.post("/api/scan/text", data="HC1:", headers=H).status_code == 400
    assert client.get("/nowhere").json["code"] == "NOT_FOUND"


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = local_server(app, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_nothing_about_a_scanned_person_reaches_disk_or_logs(
    served: str, world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    uvci = "URN:UVCI:01:VN:5ECRE7C0DE5ECRE7C0DE5ECRE7C0DE00"
    text = world.sign(vaccination(fn="Hoàng", gn="Thị Bí Mật", dob="1977-07-07", uvci=uvci),
                      issued_at=now_utc())  # fmt: skip
    secrets = ["Hoàng", "Bí Mật", "HOANG", "BI<MAT", "1977-07-07", "07/07/1977", uvci, text[4:40]]

    def post(path: str, data: bytes, content_type: str) -> dict[str, Any]:
        request = urllib.request.Request(f"{served}{path}", data=data, method="POST",
                                         headers={**H, "Content-Type": content_type})  # fmt: skip
        with urllib.request.urlopen(request) as response:
            return json.load(response)  # type: ignore[no-any-return]

    shown = post("/api/scan/text", json.dumps({"text": text}).encode(), "application/json")
    assert shown["holder"]["name"] == "Hoàng Thị Bí Mật"  # on the screen, and nowhere else
    post("/api/scan/image", render_png(text), "image/png")
    post("/api/scan/text", json.dumps({"text": tampered(text, b"1977", b"1978")}).encode(),
         "application/json")  # fmt: skip
    post("/api/settings", json.dumps({"mode": "booster"}).encode(), "application/json")
    post("/api/scan/text", json.dumps({"text": text}).encode(), "application/json")

    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in stored} >= {"settings.json", "trust-list.json"}
    for secret in secrets:
        assert secret not in logged, secret
        for path in stored:
            assert secret.encode() not in path.read_bytes(), (secret, path)


def test_both_apps_answer_errors_in_one_problem_shape(client: FlaskClient, tmp_path: Path) -> None:
    """The checkpoint's local server and the issuer's API: the same RFC 9457 members."""
    from issuer.web import create_app as create_issuer

    issuer = create_issuer(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "SIGNER_SOURCE": None}
    ).test_client()
    answers = [client.get("/nowhere"), issuer.get("/api/v1/nowhere")]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.mimetype == "application/problem+json"
    shapes = [sorted(a.json) for a in answers]  # type: ignore[arg-type]
    assert shapes[0] == shapes[1] == ["code", "detail", "status", "title", "type"]
    assert [a.json["code"] for a in answers] == ["NOT_FOUND", "NOT_FOUND"]  # type: ignore[index]
