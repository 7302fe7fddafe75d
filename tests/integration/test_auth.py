"""Authentication as a service: no timing oracle, bounded password work, tokens that stop at once."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from issuer.db import make_engine, session_factory, transaction
from issuer.models import Person, Staff
from issuer.services import auth
from issuer.services.errors import Unauthenticated
from issuer.services.signing import FixedSigner
from issuer.web import create_app
from tests.factories import default_dsc
from tests.issuer_factories import api_world

NOW = datetime.now(UTC)


@pytest.fixture
def world(database_url: str) -> str:
    with transaction(session_factory(make_engine(database_url))) as s:
        api_world(s)
    return database_url


def test_an_unknown_name_costs_one_password_check_like_a_known_one(
    world: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = session_factory(make_engine(world))
    checked: list[str] = []
    real = auth.check_password

    def counting(password: str, stored: str) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(auth, "check_password", counting)
    for name in ("nurse", "nobody-has-this-name"):
        with pytest.raises(Unauthenticated):
            auth.login(factory, name, "wrong", "192.0.2.1", NOW)
    assert len(checked) == 2 and all(h.startswith("scrypt$") for h in checked)
    assert checked[0].split("$")[1:4] == checked[1].split("$")[1:4]  # the same N, r, p


def test_parallel_logins_run_at_most_two_password_checks_at_once(
    world: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = session_factory(make_engine(world))
    running, peak, lock = [0], [0], threading.Lock()

    def slow(password: str, stored: str) -> bool:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(auth, "check_password", slow)

    def attempt(i: int) -> None:
        with contextlib.suppress(Unauthenticated):
            auth.login(factory, f"user{i}", "wrong", f"192.0.2.{i}", NOW)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == auth.SCRYPT_SLOTS


def test_a_disabled_account_is_refused_at_once(world: str) -> None:
    app = create_app(
        {"DATABASE_URL": world, "SIGNER_SOURCE": FixedSigner(default_dsc().signer), "TESTING": True}
    )
    client: FlaskClient = app.test_client()
    r = client.post("/api/v1/auth/token", json={"username": "nurse", "password": "nurse-pw"})
    headers = {"Authorization": f"Bearer {r.json['token']}"}  # type: ignore[index]
    assert client.get("/api/v1/facilities/1/lots", headers=headers).status_code == 200
    with transaction(session_factory(make_engine(world))) as s:
        s.execute(update(Staff).where(Staff.username == "nurse").values(active=False))
    assert client.get("/api/v1/facilities/1/lots", headers=headers).status_code == 401


def test_database_errors_never_carry_the_parameters_they_were_given(world: str) -> None:
    """PostgreSQL's own DETAIL names the duplicate key; the rest of the row stays out, and no
    handler logs an exception's message anyway (see the next test)."""
    factory = session_factory(make_engine(world))
    row = dict(
        document_kind="cccd",
        document_number="012090999999",
        full_name="Hoàng Thị Bí Mật",
        family_name="Hoàng",
        given_name="Thị Bí Mật",
        family_name_t="HOANG",
        given_name_t="THI<BI<MAT",
        date_of_birth="1977-07-07",
        sex="female",
        created_at=NOW,
        updated_at=NOW,
    )
    with transaction(factory) as s:
        s.add(Person(**row))
    with pytest.raises(IntegrityError) as e, transaction(factory) as s:
        s.add(Person(**row))  # the same document twice
    text = str(e.value)
    assert "parameters hidden" in text
    assert "Bí Mật" not in text and "1977-07-07" not in text


def test_an_unexpected_error_answers_a_reference_and_logs_no_personal_data(
    world: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app({"DATABASE_URL": world, "SIGNER_SOURCE": None, "TESTING": False})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("Hoàng Thị Bí Mật 012090999999 1977-07-07")

    r = app.test_client().get("/boom?name=Hoàng Thị Bí Mật")
    assert (r.status_code, r.json["code"]) == (500, "INTERNAL_ERROR")  # type: ignore[index]
    reference = r.json["detail"].rsplit(" ", 1)[1]  # type: ignore[index]
    assert reference in caplog.text and "RuntimeError" in caplog.text
    for secret in ("Bí Mật", "012090999999", "1977-07-07"):
        assert secret not in caplog.text and secret not in r.get_data(as_text=True)
