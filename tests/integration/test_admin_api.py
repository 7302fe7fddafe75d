"""The administration API on SQLite and PostgreSQL: facilities, staff accounts, stock, reactions.

The world is `api_world` (facility 1 in Lai Châu, province 12, with lots FK1234 and the expired
OLD1; facility 2 in Hà Nội, province 01; ``nurse`` at 1, ``padmin`` of 12, ``auditor``) plus a
national admin and a facility admin of facility 1.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from issuer.db import make_engine, session_factory, transaction
from issuer.domain import Role
from issuer.models import ApiToken, AuditRecord, Facility, IndustrialZone, LotTransfer, Staff
from issuer.reference import create_staff
from issuer.services.adverse_events import facility_adverse_events
from issuer.services.errors import Conflict
from issuer.services.registry import report_adverse_event
from issuer.services.scope import Actor
from issuer.services.signing import FixedSigner
from issuer.web import create_app
from tests.factories import default_dsc
from tests.integration.test_api import _checked_in_and_screened, _dose_body
from tests.issuer_factories import PRODUCT, api_world

TODAY = datetime.now(UTC).date()
LAI_CHAU_COMMUNE = "03433"  # province 12
HA_NOI_COMMUNE = "00001"  # province 01
GOOD_PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(database_url: str) -> FlaskClient:
    with transaction(session_factory(make_engine(database_url))) as s:
        api_world(s)
        site = s.get(Facility, 1)
        create_staff(s, username="national", password="national-pw", role=Role.NATIONAL_ADMIN)
        create_staff(
            s, username="fadmin", password="fadmin-pw", role=Role.FACILITY_ADMIN, facility=site
        )
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SIGNER_SOURCE": FixedSigner(default_dsc().signer),
            "TESTING": True,
        }
    )
    return app.test_client()


def _session(client: FlaskClient) -> Session:
    return session_factory(make_engine(client.application.config["DATABASE_URL"]))()


def _login(client: FlaskClient, user: str, password: str | None = None) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/token", json={"username": user, "password": password or f"{user}-pw"}
    )
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}  # type: ignore[index]


def _ok(response: Any, status: int) -> Any:
    assert response.status_code == status, response.json
    return response.json


def _refused(response: Any, status: int, code: str) -> None:
    assert (response.status_code, response.json["code"]) == (status, code), response.json


def _denials(client: FlaskClient, actor: str) -> list[str]:
    with _session(client) as s:
        return list(
            s.scalars(
                select(AuditRecord.entity_id)
                .where(AuditRecord.action == "denied", AuditRecord.actor == actor)
                .order_by(AuditRecord.id)
            )
        )


def _new_site(client: FlaskClient, admin: dict[str, str], code: str, **extra: Any) -> int:
    body = {"code": code, "name": f"Trạm Y tế {code}", "commune_code": LAI_CHAU_COMMUNE} | extra
    return int(_ok(client.post("/api/v1/facilities", json=body, headers=admin), 201)["id"])


def _lots(client: FlaskClient, facility_id: int, who: dict[str, str]) -> dict[str, Any]:
    found = _ok(client.get(f"/api/v1/facilities/{facility_id}/lots", headers=who), 200)
    return {lot["number"]: lot for lot in found}


def _stock(lot: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (
        lot["received"],
        lot["transferred_in"],
        lot["administered"],
        lot["transferred_out"],
        lot["remaining"],
    )


def _transfer(
    client: FlaskClient,
    who: dict[str, str],
    source: int,
    to: int,
    quantity: int,
    lot: str = "FK1234",
) -> Any:
    return client.post(
        f"/api/v1/facilities/{source}/lot-transfers",
        json={"lot_number": lot, "to_facility_id": to, "quantity": quantity},
        headers=who,
    )


# -- stock -----------------------------------------------------------------------------------------


def test_stock_adds_up_after_receipts_transfers_and_doses(client: FlaskClient) -> None:
    padmin, nurse = _login(client, "padmin"), _login(client, "nurse")
    other = _new_site(client, padmin, "LCU-002")
    # a dose from FK1234 at site 1, and 50 more doses of it received there
    person = _checked_in_and_screened(client, nurse)
    key = {"Idempotency-Key": "stock-1"}
    _ok(client.post("/api/v1/doses", json=_dose_body(person), headers=nurse | key), 201)
    receipt = {
        "number": "FK1234",
        "product_code": PRODUCT,
        "expires_on": (date.today() + timedelta(days=90)).isoformat(),
        "quantity": 50,
    }
    topped = _ok(client.post("/api/v1/facilities/1/lots", json=receipt, headers=padmin), 200)
    assert _stock(topped) == (1050, 0, 1, 0, 1049)

    moved = _ok(_transfer(client, padmin, 1, other, 300), 201)
    assert (moved["from_facility_id"], moved["to_facility_id"], moved["by"]) == (1, other, "padmin")
    assert _stock(moved["source"]) == (1050, 0, 1, 300, 749)
    assert _stock(moved["destination"]) == (0, 300, 0, 0, 300)
    _ok(_transfer(client, padmin, 1, other, 200), 201)  # tops up the destination's lot
    _ok(_transfer(client, padmin, other, 1, 100), 201)  # and some come back
    assert _stock(_lots(client, 1, padmin)["FK1234"]) == (1050, 100, 1, 500, 649)
    assert _stock(_lots(client, other, padmin)["FK1234"]) == (0, 500, 0, 100, 400)

    # the destination vaccinates from the lot it was sent
    _ok(
        client.post(
            "/api/v1/staff",
            json={
                "username": "nurse2",
                "full_name": "Lò Thị Mai",
                "role": "site_staff",
                "facility_id": other,
                "password": GOOD_PASSWORD,
            },
            headers=padmin,
        ),
        201,
    )
    nurse2 = _login(client, "nurse2", GOOD_PASSWORD)
    checked = client.post(
        "/api/v1/persons/check-in",
        json={
            "document_kind": "passport",
            "document_number": "C1234567",
            "full_name": "Nguyễn Thị Hoa",
            "date_of_birth": "1985-05-05",
            "sex": "female",
            "nationality": "VN",
        },
        headers=nurse2,
    )
    second = _ok(checked, 201)["id"]
    screening = {"person_id": second, "facility_id": other, "outcome": "eligible"}
    _ok(client.post("/api/v1/screenings", json=screening, headers=nurse2), 201)
    dose = _dose_body(second, facility_id=other)
    _ok(client.post("/api/v1/doses", json=dose, headers=nurse2 | {"Idempotency-Key": "s2"}), 201)
    assert _stock(_lots(client, other, nurse2)["FK1234"]) == (0, 500, 1, 100, 399)

    # never more than remains: 649 at site 1
    _refused(_transfer(client, padmin, 1, other, 650), 409, "STOCK_INSUFFICIENT")
    assert _lots(client, 1, padmin)["FK1234"]["remaining"] == 649
    last = _ok(_transfer(client, padmin, 1, other, 649), 201)
    assert last["source"]["remaining"] == 0
    _refused(_transfer(client, padmin, 1, other, 1), 409, "STOCK_INSUFFICIENT")

    # each transfer is a row: who, when, from, to, how many; and an audit entry
    with _session(client) as s:
        rows = s.execute(
            select(LotTransfer.quantity, Staff.username, LotTransfer.at)
            .join(Staff, Staff.id == LotTransfer.staff_id)
            .order_by(LotTransfer.id)
        ).all()
        assert [(q, who) for q, who, _ in rows] == [
            (300, "padmin"),
            (200, "padmin"),
            (100, "padmin"),
            (649, "padmin"),
        ]
        assert all(at is not None for *_, at in rows)
        audited = s.scalars(
            select(AuditRecord.details).where(AuditRecord.action == "transfer-lot")
        ).all()
        assert [d["quantity"] for d in audited if d] == [300, 200, 100, 649]


def test_transfers_refuse_expired_unknown_and_mismatched_lots_and_other_provinces(
    client: FlaskClient,
) -> None:
    padmin = _login(client, "padmin")
    other = _new_site(client, padmin, "LCU-002")
    _refused(_transfer(client, padmin, 1, other, 1, lot="OLD1"), 422, "LOT_EXPIRED")
    _refused(_transfer(client, padmin, 1, other, 1, lot="NOPE"), 422, "LOT_NOT_FOUND")
    _refused(_transfer(client, padmin, 1, 1, 1), 422, "TRANSFER_TO_SAME_FACILITY")
    _refused(_transfer(client, padmin, 1, other, 0), 422, "FIELD_INVALID")
    # the destination holds FK1234 with another expiry: the numbers would mix two lots
    national = _login(client, "national")
    receipt = {
        "number": "FK1234",
        "product_code": PRODUCT,
        "expires_on": (date.today() + timedelta(days=200)).isoformat(),
        "quantity": 5,
    }
    _ok(client.post(f"/api/v1/facilities/{other}/lots", json=receipt, headers=national), 201)
    _refused(_transfer(client, padmin, 1, other, 1), 409, "LOT_DETAILS_MISMATCH")
    # Hà Nội is not Lai Châu's: a provincial admin moves stock within the province only
    _refused(_transfer(client, padmin, 1, 2, 1), 403, "FORBIDDEN")
    # facility admins and site staff do not move stock at all
    _refused(_transfer(client, _login(client, "fadmin"), 1, other, 1), 403, "FORBIDDEN")
    _refused(_transfer(client, _login(client, "nurse"), 1, other, 1), 403, "FORBIDDEN")
    assert _denials(client, "padmin") == ["POST /api/v1/facilities/1/lot-transfers"]
    # the national admin moves stock between provinces
    _ok(_transfer(client, national, 1, 2, 10), 201)
    assert _stock(_lots(client, 2, national)["FK1234"]) == (0, 10, 0, 0, 10)
    assert _stock(_lots(client, 1, national)["FK1234"]) == (1000, 0, 0, 10, 990)


def test_receiving_lots(client: FlaskClient) -> None:
    fadmin, nurse = _login(client, "fadmin"), _login(client, "nurse")
    later = (date.today() + timedelta(days=120)).isoformat()
    new_lot = {"number": "AB777", "product_code": PRODUCT, "expires_on": later, "quantity": 40}
    created = _ok(client.post("/api/v1/facilities/1/lots", json=new_lot, headers=fadmin), 201)
    assert _stock(created) == (40, 0, 0, 0, 40) and created["expired"] is False
    _refused(
        client.post("/api/v1/facilities/1/lots", json=new_lot, headers=nurse), 403, "FORBIDDEN"
    )
    _refused(
        client.post("/api/v1/facilities/2/lots", json=new_lot, headers=fadmin), 403, "FORBIDDEN"
    )
    unknown = new_lot | {"product_code": "EU/1/99/0000"}
    _refused(
        client.post("/api/v1/facilities/1/lots", json=unknown, headers=fadmin),
        422,
        "PRODUCT_NOT_FOUND",
    )
    expired = new_lot | {"number": "AB778", "expires_on": "2021-01-01"}
    _refused(
        client.post("/api/v1/facilities/1/lots", json=expired, headers=fadmin), 422, "LOT_EXPIRED"
    )
    other_product = new_lot | {"product_code": "EU/1/20/1507"}
    _refused(
        client.post("/api/v1/facilities/1/lots", json=other_product, headers=fadmin),
        409,
        "LOT_DETAILS_MISMATCH",
    )
    assert _stock(_lots(client, 1, fadmin)["AB777"]) == (40, 0, 0, 0, 40)
    with _session(client) as s:
        details = s.scalars(
            select(AuditRecord.details).where(AuditRecord.action == "receive-lot")
        ).all()
    assert details == [
        {
            "facility": 1,
            "number": "AB777",
            "product": PRODUCT,
            "expires_on": later,
            "quantity": 40,
        }
    ]


def _stock_of(factory: Any, facility_id: int, number: str) -> int:
    from issuer.services.lots import lot_stock

    with transaction(factory) as s:
        national = Actor(0, "national", Role.NATIONAL_ADMIN)
        return next(
            lot.remaining for lot in lot_stock(s, national, facility_id) if lot.number == number
        )


def test_a_transfer_waits_for_the_one_holding_the_lot_and_then_sees_it(database_url: str) -> None:
    """Two transfers of 60 out of a lot of 100 on PostgreSQL: the second blocks on the lot's
    row until the first commits, then finds 40 left and is refused. Without the lock both
    would read 100 and both succeed.
    """
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite takes its write lock instead")
    from issuer.services.lots import transfer

    factory = session_factory(make_engine(database_url))
    with transaction(factory) as s:
        api_world(s)
        padmin = s.scalars(select(Staff).where(Staff.username == "padmin")).one()
        s.add(Facility(code="LCU-002", name="B", province_code="12", mobile=False))
    actor = Actor(padmin.id, "padmin", Role.PROVINCIAL_ADMIN, None, "12")
    with transaction(factory) as s:
        site_b = s.scalars(select(Facility.id).where(Facility.code == "LCU-002")).one()
        s.execute(text("UPDATE lots SET quantity_received = 100 WHERE number = 'FK1234'"))
    now = datetime.now(UTC)
    first_done, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        with transaction(factory) as s:
            transfer(s, actor, 1, number="FK1234", to_facility_id=site_b, quantity=60, now=now)
            first_done.set()
            release.wait(30)
        outcome["first"] = "ok"

    def second() -> None:
        try:
            with transaction(factory) as s:
                transfer(s, actor, 1, number="FK1234", to_facility_id=site_b, quantity=60, now=now)
            outcome["second"] = "ok"
        except Conflict as e:
            outcome["second"] = e.code

    a = threading.Thread(target=first)
    a.start()
    assert first_done.wait(30)
    b = threading.Thread(target=second)
    b.start()
    waiting = 0
    with make_engine(database_url).connect() as watch:
        for _ in range(300):  # until the second transfer waits on the first one's lock
            waiting = watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                break
            time.sleep(0.02)
    assert waiting == 1, "the second transfer should wait for the first one's lock"
    release.set()
    a.join(30)
    b.join(30)
    assert outcome == {"first": "ok", "second": "STOCK_INSUFFICIENT"}
    assert _stock_of(factory, 1, "FK1234") == 40
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(LotTransfer)) == 1


def test_two_racing_transfers_never_overdraw(client: FlaskClient, database_url: str) -> None:
    """Two admins send 60 of the same 100 doses at the same moment, through the API."""
    padmin, national = _login(client, "padmin"), _login(client, "national")
    other = _new_site(client, padmin, "LCU-002")
    lot = {
        "number": "RACE1",
        "product_code": PRODUCT,
        "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        "quantity": 100,
    }
    _ok(client.post("/api/v1/facilities/1/lots", json=lot, headers=padmin), 201)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(who: dict[str, str]) -> None:
        own = client.application.test_client()
        start.wait(10)
        statuses.append(_transfer(own, who, 1, other, 60, lot="RACE1").status_code)

    threads = [threading.Thread(target=send, args=(who,)) for who in (padmin, national)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # SQLite may answer the loser 503 (its snapshot went stale while it waited): retry-able
    allowed = ([201, 409],) if database_url.startswith("postgresql") else ([201, 409], [201, 503])
    assert sorted(statuses) in allowed, statuses
    source = _lots(client, 1, padmin)["RACE1"]
    assert (source["transferred_out"], source["remaining"]) == (60, 40)


# -- staff accounts -----------------------------------------------------------------------------


def _account(role: str, password: str = GOOD_PASSWORD, **placement: Any) -> dict[str, Any]:
    name = f"{role.replace('_', '')}{len(placement)}{sorted(placement.values())}"
    username = "".join(c for c in name.lower() if c.isalnum())[:60]
    return {
        "username": username,
        "full_name": "Hoàng Văn Nam",
        "role": role,
        "password": password,
    } | placement


def test_a_disabled_accounts_token_is_refused_at_once(client: FlaskClient) -> None:
    nurse, padmin = _login(client, "nurse"), _login(client, "padmin")
    _ok(client.get("/api/v1/facilities/1/lots", headers=nurse), 200)
    with _session(client) as s:
        nurse_id = s.scalars(select(Staff.id).where(Staff.username == "nurse")).one()
    disabled = _ok(client.post(f"/api/v1/staff/{nurse_id}/disable", headers=padmin), 200)
    assert disabled["active"] is False
    _refused(client.get("/api/v1/facilities/1/lots", headers=nurse), 401, "UNAUTHORIZED")
    r = client.post("/api/v1/auth/token", json={"username": "nurse", "password": "nurse-pw"})
    _refused(r, 401, "UNAUTHORIZED")
    with _session(client) as s:
        assert s.scalar(select(func.count()).where(ApiToken.staff_id == nurse_id)) == 0
        entry = s.scalars(select(AuditRecord).where(AuditRecord.action == "disable-staff")).one()
        assert (entry.actor, entry.entity_id, entry.details) == (
            "padmin",
            str(nurse_id),
            {"tokens_revoked": 1},
        )
    # disabling again changes nothing and is no error
    _ok(client.post(f"/api/v1/staff/{nurse_id}/disable", headers=padmin), 200)


def test_nobody_disables_themselves_or_changes_their_own_role(client: FlaskClient) -> None:
    national = _login(client, "national")
    with _session(client) as s:
        own = s.scalars(select(Staff.id).where(Staff.username == "national")).one()
    _refused(
        client.post(f"/api/v1/staff/{own}/disable", headers=national),
        403,
        "SELF_MANAGEMENT_NOT_ALLOWED",
    )
    _refused(
        client.patch(f"/api/v1/staff/{own}", json={"role": "auditor"}, headers=national),
        403,
        "SELF_MANAGEMENT_NOT_ALLOWED",
    )
    assert _denials(client, "national") == [
        f"POST /api/v1/staff/{own}/disable",
        f"PATCH /api/v1/staff/{own}",
    ]
    _ok(client.get("/api/v1/facilities/1/lots", headers=national), 200)  # still works


def test_nobody_gives_a_role_or_a_scope_beyond_their_own(client: FlaskClient) -> None:
    fadmin, padmin, national = (_login(client, u) for u in ("fadmin", "padmin", "national"))

    def create(who: dict[str, str], body: dict[str, Any]) -> Any:
        return client.post("/api/v1/staff", json=body, headers=who)

    # a facility admin: site staff of their facility, nothing else
    _refused(
        create(fadmin, _account("provincial_admin", province_code="12")), 403, "ROLE_NOT_ALLOWED"
    )
    _refused(create(fadmin, _account("facility_admin", facility_id=1)), 403, "ROLE_NOT_ALLOWED")
    _refused(create(fadmin, _account("site_staff", facility_id=2)), 403, "FORBIDDEN")
    site_staff = _ok(create(fadmin, _account("site_staff", facility_id=1)), 201)
    assert (site_staff["facility_id"], site_staff["province_code"]) == (1, "12")
    # a provincial admin: site and facility staff of the province's facilities
    _refused(
        create(padmin, _account("provincial_admin", province_code="12")), 403, "ROLE_NOT_ALLOWED"
    )
    _refused(create(padmin, _account("national_admin")), 403, "ROLE_NOT_ALLOWED")
    _refused(create(padmin, _account("facility_admin", facility_id=2)), 403, "FORBIDDEN")
    site_admin = _ok(create(padmin, _account("facility_admin", facility_id=1)), 201)
    # and cannot raise one: not to provincial admin, not into another province
    edit = f"/api/v1/staff/{site_admin['id']}"
    _refused(
        client.patch(edit, json={"role": "provincial_admin"}, headers=padmin),
        403,
        "ROLE_NOT_ALLOWED",
    )
    _refused(client.patch(edit, json={"facility_id": 2}, headers=padmin), 403, "FORBIDDEN")
    # a facility admin cannot touch an account of their own rank
    _refused(client.post(f"{edit}/disable", headers=fadmin), 403, "FORBIDDEN")
    # the national admin gives any role anywhere
    provincial = _ok(create(national, _account("provincial_admin", province_code="01")), 201)
    assert (provincial["facility_id"], provincial["province_code"]) == (None, "01")
    moved = _ok(
        client.patch(
            edit, json={"role": "provincial_admin", "full_name": "Hoàng Văn Bắc"}, headers=national
        ),
        200,
    )
    assert (moved["role"], moved["facility_id"], moved["province_code"], moved["full_name"]) == (
        "provincial_admin",
        None,
        "12",
        "Hoàng Văn Bắc",
    )
    # an account placed where its role cannot work
    _refused(create(national, _account("site_staff")), 422, "STAFF_PLACEMENT_INVALID")
    _refused(
        create(national, _account("auditor", province_code="12")), 422, "STAFF_PLACEMENT_INVALID"
    )
    _refused(
        create(national, _account("provincial_admin", province_code="99")),
        422,
        "PROVINCE_NOT_FOUND",
    )
    # every refusal by scope is on record
    assert len(_denials(client, "fadmin")) == 4 and len(_denials(client, "padmin")) == 5


def test_passwords_are_long_never_audited_never_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    padmin = _login(client, "padmin")
    short = _account("site_staff", password="short-pw", facility_id=1)
    _refused(client.post("/api/v1/staff", json=short, headers=padmin), 422, "PASSWORD_TOO_SHORT")
    bad_name = _account("site_staff", facility_id=1) | {"username": "Nurse A"}
    _refused(client.post("/api/v1/staff", json=bad_name, headers=padmin), 422, "FIELD_INVALID")
    taken = _account("site_staff", facility_id=1) | {"username": "nurse"}
    _refused(client.post("/api/v1/staff", json=taken, headers=padmin), 409, "USERNAME_TAKEN")
    created = _ok(
        client.post("/api/v1/staff", json=_account("site_staff", facility_id=1), headers=padmin),
        201,
    )
    assert "password" not in created and "password_hash" not in created
    user, path = created["username"], f"/api/v1/staff/{created['id']}/password"
    old_token = _login(client, user, GOOD_PASSWORD)

    # an admin sets one: the old password and every token stop
    chosen = "another long passphrase"
    done = _ok(client.post(path, json={"password": chosen}, headers=padmin), 200)
    assert "password" not in done and done["tokens_revoked"] == 1
    _refused(client.get("/api/v1/facilities/1/lots", headers=old_token), 401, "UNAUTHORIZED")
    r = client.post("/api/v1/auth/token", json={"username": user, "password": GOOD_PASSWORD})
    _refused(r, 401, "UNAUTHORIZED")
    _login(client, user, chosen)
    _refused(
        client.post(path, json={"password": "too-short"}, headers=padmin), 422, "PASSWORD_TOO_SHORT"
    )

    # or a random one, answered once, never cached
    r = client.post(path, json={}, headers=padmin)
    generated = _ok(r, 200)["password"]
    assert len(generated) >= 12 and r.headers["Cache-Control"] == "no-store"
    _login(client, user, generated)

    with _session(client) as s:
        stored = s.scalars(select(Staff.password_hash).where(Staff.username == user)).one()
        audit_text = " ".join(
            str(d) for d in s.scalars(select(AuditRecord.details)).all() if d is not None
        )
        resets = s.scalars(
            select(AuditRecord.details).where(AuditRecord.action == "reset-password")
        ).all()
    assert stored.startswith("scrypt$")
    for secret in (GOOD_PASSWORD, chosen, generated, "short-pw", "too-short"):
        assert secret not in stored and secret not in audit_text and secret not in caplog.text
    assert [d["generated"] for d in resets if d] == [False, True]


def test_staff_lists_show_the_scope_and_are_audited(client: FlaskClient) -> None:
    def usernames(who: str, query: str = "") -> list[str]:
        found = _ok(client.get(f"/api/v1/staff{query}", headers=_login(client, who)), 200)
        return sorted(s["username"] for s in found)

    assert usernames("fadmin") == ["fadmin", "nurse"]
    assert usernames("padmin") == ["fadmin", "nurse", "padmin"]
    assert usernames("national") == ["auditor", "fadmin", "national", "nurse", "padmin"]
    assert usernames("auditor", "?facility_id=1") == ["fadmin", "nurse"]
    _refused(client.get("/api/v1/staff", headers=_login(client, "nurse")), 403, "FORBIDDEN")
    _refused(
        client.get("/api/v1/staff?facility_id=2", headers=_login(client, "padmin")),
        403,
        "FORBIDDEN",
    )
    first = _ok(client.get("/api/v1/staff?limit=2", headers=_login(client, "national")), 200)
    rest = _ok(
        client.get(f"/api/v1/staff?after={first[-1]['id']}", headers=_login(client, "national")),
        200,
    )
    assert len(first) == 2 and len(rest) == 3
    with _session(client) as s:
        reads = s.scalars(
            select(AuditRecord).where(AuditRecord.action == "read", AuditRecord.entity == "staff")
        ).all()
    assert [(r.actor, (r.details or {})["accounts"]) for r in reads][:3] == [
        ("fadmin", 2),
        ("padmin", 3),
        ("national", 5),
    ]


# -- facilities ---------------------------------------------------------------------------------


def test_facilities_are_created_edited_and_listed_within_scope(client: FlaskClient) -> None:
    padmin, national, fadmin = (_login(client, u) for u in ("padmin", "national", "fadmin"))
    body = {
        "code": "LCU-KCN1",
        "name": "Trạm Y tế KCN Tam Đường",
        "commune_code": LAI_CHAU_COMMUNE,
        "industrial_zone": "KCN  Tam Đường",
    }
    site = _ok(client.post("/api/v1/facilities", json=body, headers=padmin), 201)
    assert (site["province_code"], site["commune_code"], site["industrial_zone"]) == (
        "12",
        LAI_CHAU_COMMUNE,
        "KCN Tam Đường",
    )
    second = body | {"code": "LCU-KCN2", "industrial_zone": "KCN Tam Đường"}
    _ok(client.post("/api/v1/facilities", json=second, headers=padmin), 201)
    with _session(client) as s:  # one zone, however it was spaced
        assert s.scalars(select(IndustrialZone.name)).all() == ["KCN Tam Đường"]
    _refused(
        client.post("/api/v1/facilities", json=body, headers=padmin), 409, "FACILITY_CODE_TAKEN"
    )
    in_ha_noi = body | {"code": "HNI-002", "commune_code": HA_NOI_COMMUNE}
    _refused(client.post("/api/v1/facilities", json=in_ha_noi, headers=padmin), 403, "FORBIDDEN")
    _ok(client.post("/api/v1/facilities", json=in_ha_noi, headers=national), 201)
    _refused(
        client.post(
            "/api/v1/facilities",
            json=body | {"code": "X1", "commune_code": "99999"},
            headers=padmin,
        ),
        422,
        "COMMUNE_NOT_FOUND",
    )
    _refused(
        client.post("/api/v1/facilities", json=body | {"code": "X2"}, headers=fadmin),
        403,
        "FORBIDDEN",
    )

    # a facility admin renames their own facility, and changes nothing else
    renamed = _ok(
        client.patch("/api/v1/facilities/1", json={"name": "Trạm Y tế xã Bình Lư"}, headers=fadmin),
        200,
    )
    assert renamed["name"] == "Trạm Y tế xã Bình Lư"
    _refused(
        client.patch(
            "/api/v1/facilities/1", json={"commune_code": LAI_CHAU_COMMUNE}, headers=fadmin
        ),
        403,
        "FORBIDDEN",
    )
    _refused(
        client.patch(f"/api/v1/facilities/{site['id']}", json={"name": "X"}, headers=fadmin),
        403,
        "FORBIDDEN",
    )
    # a provincial admin edits within the province; a facility never changes province
    edited = _ok(
        client.patch(
            f"/api/v1/facilities/{site['id']}",
            json={"industrial_zone": None, "mobile": True},
            headers=padmin,
        ),
        200,
    )
    assert (edited["industrial_zone"], edited["mobile"]) == (None, True)
    _refused(
        client.patch(
            f"/api/v1/facilities/{site['id']}",
            json={"commune_code": HA_NOI_COMMUNE},
            headers=padmin,
        ),
        422,
        "COMMUNE_OUTSIDE_PROVINCE",
    )
    _refused(
        client.patch("/api/v1/facilities/2", json={"name": "X"}, headers=padmin), 403, "FORBIDDEN"
    )

    def codes(who: str) -> list[str]:
        found = _ok(client.get("/api/v1/facilities", headers=_login(client, who)), 200)
        return [f["code"] for f in found]

    assert codes("nurse") == ["LCU-001"]
    assert codes("fadmin") == ["LCU-001"]
    assert codes("padmin") == ["LCU-001", "LCU-KCN1", "LCU-KCN2"]
    assert codes("national") == ["LCU-001", "HNI-001", "LCU-KCN1", "LCU-KCN2", "HNI-002"]
    assert [
        f["code"]
        for f in _ok(client.get("/api/v1/facilities?province_code=01", headers=national), 200)
    ] == [
        "HNI-001",
        "HNI-002",
    ]
    with _session(client) as s:
        actions = s.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.entity == "facility")
            .order_by(AuditRecord.id)
        ).all()
    assert actions == ["create-facility"] * 3 + ["edit-facility"] * 2


# -- adverse events -----------------------------------------------------------------------------


def test_adverse_events_are_listed_by_day_in_viet_nam_without_the_person(
    client: FlaskClient,
) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    dose = _ok(
        client.post(
            "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "ae-1"}
        ),
        201,
    )["id"]
    with transaction(session_factory(make_engine(client.application.config["DATABASE_URL"]))) as s:
        nurse_id = s.scalars(select(Staff.id).where(Staff.username == "nurse")).one()
        actor = Actor(nurse_id, "nurse", Role.SITE_STAFF, 1, "12")
        for severity, grade, at in (
            ("common", None, datetime(2021, 8, 1, 16, 59, tzinfo=UTC)),  # 23:59 on 1 August ICT
            ("serious", 3, datetime(2021, 8, 1, 17, 30, tzinfo=UTC)),  # 00:30 on 2 August ICT
            ("common", None, datetime(2021, 8, 2, 10, 0, tzinfo=UTC)),
        ):
            report_adverse_event(
                s,
                actor,
                dose,
                severity=severity,
                anaphylaxis_grade=grade,
                outcome="recovered",
                description="sốc phản vệ" if grade else None,
                now=at,
            )
    url = "/api/v1/facilities/1/adverse-events"
    on_2_august = _ok(client.get(f"{url}?from=2021-08-02&to=2021-08-02", headers=nurse), 200)
    assert [(e["severity"], e["reported_at"]) for e in on_2_august] == [
        ("serious", "2021-08-01T17:30:00Z"),
        ("common", "2021-08-02T10:00:00Z"),
    ]
    serious = _ok(
        client.get(f"{url}?from=2021-08-01&to=2021-08-31&severity=serious", headers=nurse), 200
    )
    assert serious == [
        {
            "id": serious[0]["id"],
            "dose_id": dose,
            "severity": "serious",
            "anaphylaxis_grade": 3,
            "outcome": "recovered",
            "reported_at": "2021-08-01T17:30:00Z",
        }
    ]  # the dose, not the person: no id, name, document or description
    assert len(_ok(client.get(url, headers=_login(client, "auditor")), 200)) == 3
    assert len(_ok(client.get(f"{url}?to=2021-08-01", headers=nurse), 200)) == 1
    _refused(client.get(f"{url}?from=2021-08-02&to=2021-08-01", headers=nurse), 422, "DATE_INVALID")
    _refused(client.get(f"{url}?from=2021-8-2", headers=nurse), 422, "FIELD_INVALID")
    _refused(client.get(f"{url}?severity=mild", headers=nurse), 422, "FIELD_INVALID")
    _refused(client.get("/api/v1/facilities/2/adverse-events", headers=nurse), 403, "FORBIDDEN")
    with transaction(session_factory(make_engine(client.application.config["DATABASE_URL"]))) as s:
        national = Actor(0, "national", Role.NATIONAL_ADMIN)
        assert len(facility_adverse_events(s, national, 1, since=date(2021, 8, 2))) == 2


# -- the schema ---------------------------------------------------------------------------------


def test_migration_0005_goes_down_and_up_with_data_in_place(
    client: FlaskClient, database_url: str
) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from issuer.db import alembic_config, upgrade

    padmin = _login(client, "padmin")
    other = _new_site(client, padmin, "LCU-002", industrial_zone="KCN Tam Đường")
    _ok(_transfer(client, padmin, 1, other, 5), 201)
    command.downgrade(alembic_config(database_url), "0004")
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert not {"lot_transfers", "industrial_zones"} & tables
    assert "industrial_zone_id" not in {
        c["name"] for c in inspect(engine).get_columns("facilities")
    }
    upgrade(database_url)
    engine = make_engine(database_url)
    assert {"lot_transfers", "industrial_zones"} <= set(inspect(engine).get_table_names())
    with engine.connect() as c:  # the facilities and lots themselves stayed
        assert c.execute(text("SELECT count(*) FROM facilities")).scalar_one() == 3
