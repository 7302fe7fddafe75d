"""The officer's screens in Chromium: wedge scanner, camera, picture; green, red and amber."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.checkpoint_factories import now_utc, tampered, vaccination
from tests.e2e.conftest import App, screenshot


def wedge(page: object, text: str) -> None:
    """Type like a keyboard-wedge scanner: the code, then Enter, with nothing focused."""
    page.keyboard.type(text)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]


def test_wedge_scan_of_a_valid_certificate_paints_green_with_the_holder(
    app: App, page: object
) -> None:
    text = app.world.sign(vaccination(fn="Nguyễn", gn="Thị Minh Khai", dob="1990-05-17"),
                          issued_at=now_utc() - timedelta(days=2))  # fmt: skip
    wedge(page, text)
    verdict = page.locator("#verdict[data-outcome='valid']")  # type: ignore[attr-defined]
    verdict.wait_for()
    assert page.locator("#v-title").inner_text() == "HỢP LỆ"  # type: ignore[attr-defined]
    assert page.locator("#v-name").inner_text() == "Nguyễn Thị Minh Khai"  # type: ignore[attr-defined]
    assert page.locator("#v-name-t").inner_text() == "NGUYEN THI MINH KHAI"  # type: ignore[attr-defined]
    assert page.locator("#v-dob").inner_text() == "17/05/1990"  # type: ignore[attr-defined]
    screenshot(page, "green-valid")


def test_camera_scanning_reads_the_qr_code_from_the_fake_camera(app: App, page: object) -> None:
    before = app.checkpoint.counters.snapshot().scans
    frames: list[str] = []
    page.on(
        "request", lambda r: frames.append(r.url) if r.url.endswith("/api/scan/image") else None
    )  # type: ignore[attr-defined]
    page.click("#camera")  # type: ignore[attr-defined]
    page.locator("#verdict[data-outcome='valid']").wait_for(timeout=15_000)  # type: ignore[attr-defined]
    assert page.locator("#v-name").inner_text() == "Lò Văn Pọm"  # type: ignore[attr-defined]
    assert page.locator("#v-dob").inner_text() == "15/03/1990"  # type: ignore[attr-defined]
    screenshot(page, "green-camera")

    # Scanning goes on while the verdict shows; the same code in every frame counts once,
    # and a code from the scanner replaces the verdict (the camera's repeats do not cover it).
    wedge(page, app.world.sign(vaccination(fn="Trần", gn="Thị B"), issued_at=now_utc()))
    page.locator("#v-name", has_text="Trần Thị B").wait_for()  # type: ignore[attr-defined]
    seen = len(frames)
    for _ in range(200):  # a few more frames of the same code, at most 10 s
        if len(frames) >= seen + 3:
            break
        page.wait_for_timeout(50)  # type: ignore[attr-defined]
    assert len(frames) >= seen + 3
    assert page.locator("#v-name").inner_text() == "Trần Thị B"  # type: ignore[attr-defined]
    assert app.checkpoint.counters.snapshot().scans == before + 2
    page.click("#camera")  # type: ignore[attr-defined]


def test_a_picture_of_the_qr_code_is_read(app: App, page: object, tmp_path) -> None:
    from hcert.qrcode import render_png

    text = app.world.sign(vaccination(fn="Trần", gn="Văn An", dob="1970"),
                          issued_at=now_utc() - timedelta(days=1))  # fmt: skip
    picture = tmp_path / "certificate.png"
    picture.write_bytes(render_png(text))
    page.set_input_files("#image", str(picture))  # type: ignore[attr-defined]
    page.locator("#verdict[data-outcome='valid']").wait_for()  # type: ignore[attr-defined]
    assert page.locator("#v-name").inner_text() == "Trần Văn An"  # type: ignore[attr-defined]
    assert page.locator("#v-dob").inner_text() == "1970"  # type: ignore[attr-defined]


def _red(page: object, reason: str, category: str, name: str) -> None:
    page.locator("#verdict[data-outcome='invalid']").wait_for()  # type: ignore[attr-defined]
    assert page.locator("#v-title").inner_text() == "KHÔNG HỢP LỆ"  # type: ignore[attr-defined]
    assert page.locator("#v-reason").inner_text() == reason  # type: ignore[attr-defined]
    assert page.locator("#v-code").inner_text().startswith(category)  # type: ignore[attr-defined]
    assert page.locator("#v-holder").is_hidden()  # type: ignore[attr-defined]  # no name on red
    assert page.locator("#v-name").text_content() == ""  # type: ignore[attr-defined]  # not even a previous one
    screenshot(page, name)


def test_an_expired_certificate_paints_red(app: App, page: object) -> None:
    now = now_utc()
    wedge(
        page, app.world.sign(issued_at=now - timedelta(days=29), expires_at=now - timedelta(days=1))
    )
    _red(page, "Chứng nhận đã hết hạn", "EXPIRED", "red-expired")


def test_a_tampered_certificate_paints_red_bad_signature(app: App, page: object) -> None:
    genuine = app.world.sign(vaccination(dob="1985-03-09"), issued_at=now_utc() - timedelta(days=1))
    wedge(page, tampered(genuine, b"1985-03-09", b"1995-03-09"))
    _red(page, "Chữ ký không hợp lệ: chứng nhận có thể đã bị sửa", "BAD_SIGNATURE", "red-tampered")


def test_a_revoked_certificate_paints_red_once_the_new_list_is_loaded_from_a_file(
    app: App, page: object, tmp_path
) -> None:
    uvci = "URN:UVCI:01:VN:00000000000000000000000000REVOKED"
    text = app.world.sign(vaccination(uvci=uvci), issued_at=now_utc() - timedelta(days=1))
    wedge(page, text)
    page.locator("#verdict[data-outcome='valid']").wait_for()  # type: ignore[attr-defined]

    app.world.service.revoke_certificate(uvci)
    stick = tmp_path / "trust-list.json"
    stick.write_bytes(app.world.publish(now_utc()))
    version = app.world.publisher.latest_version()
    page.click("#settings-open")  # type: ignore[attr-defined]
    page.set_input_files("#trust-file", str(stick))  # type: ignore[attr-defined]
    page.locator("#trust-load", has_text=f"Đã cập nhật lên phiên bản {version}").wait_for()  # type: ignore[attr-defined]
    page.click("#settings-close")  # type: ignore[attr-defined]
    assert page.locator("#trust").inner_text().startswith(f"Danh sách tin cậy v{version}")  # type: ignore[attr-defined]

    wedge(page, text)
    _red(page, "Chứng nhận đã bị thu hồi", "REVOKED", "red-revoked")


def test_a_first_dose_in_fully_vaccinated_mode_paints_amber_with_the_rule(
    app: App, page: object
) -> None:
    page.click("#settings-open")  # type: ignore[attr-defined]
    page.check("input[name=mode][value=vaccinated]")  # type: ignore[attr-defined]
    page.locator("#mode-name", has_text="Tiêm đủ liều cơ bản").wait_for()  # type: ignore[attr-defined]
    page.click("#settings-close")  # type: ignore[attr-defined]
    try:
        wedge(page, app.world.sign(vaccination(dn=1, sd=2, dt="2026-09-01"),
                                   issued_at=now_utc() - timedelta(days=1)))  # fmt: skip
        page.locator("#verdict[data-outcome='rules']").wait_for()  # type: ignore[attr-defined]
        assert page.locator("#v-title").inner_text() == "CHƯA ĐẠT QUY ĐỊNH"  # type: ignore[attr-defined]
        assert page.locator("#v-reason").inner_text() == "Chưa tiêm đủ liều cơ bản (mũi 1/2)"  # type: ignore[attr-defined]
        assert page.locator("#v-code").inner_text() == "RULES_FAILED · PRIMARY_SERIES"  # type: ignore[attr-defined]
        assert (
            page.locator("#v-certificate")
            .inner_text()
            .startswith("Tiêm chủng · mũi 1/2 · 01/09/2026")
        )  # type: ignore[attr-defined]
        assert page.locator("#v-holder").is_hidden()  # type: ignore[attr-defined]
        screenshot(page, "amber-rules-failed")
    finally:
        app.checkpoint.update_settings({"mode": "any"})


def test_the_english_toggle_translates_the_verdict_on_screen(app: App, page: object) -> None:
    wedge(page, app.world.sign(issued_at=now_utc() - timedelta(days=1)))
    page.locator("#verdict[data-outcome='valid']").wait_for()  # type: ignore[attr-defined]
    try:
        page.click("#lang")  # type: ignore[attr-defined]
        page.locator("#v-title", has_text="VALID").wait_for()  # type: ignore[attr-defined]
        assert page.locator("#v-reason").inner_text() == "Valid certificate, signature verified"  # type: ignore[attr-defined]
        assert page.locator("#trust").inner_text().startswith("Trust list v")  # type: ignore[attr-defined]
        assert app.checkpoint.settings.language == "en"  # persisted for the next start
    finally:
        app.checkpoint.update_settings({"language": "vi"})


def test_the_browser_has_no_network_beyond_the_app_and_verdicts_still_come(
    app: App, page: object
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    outside = page.context.new_page()  # type: ignore[attr-defined]
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        outside.goto("http://example.org/")
    outside.close()
    assert app.blocked == ["http://example.org/"]  # the routing does block the world
    app.blocked.clear()

    wedge(page, app.world.sign(issued_at=now_utc() - timedelta(days=1)))
    page.locator("#verdict[data-outcome='valid']").wait_for()  # type: ignore[attr-defined]
    assert page.locator("#trust").is_visible()  # type: ignore[attr-defined]  # on every screen
