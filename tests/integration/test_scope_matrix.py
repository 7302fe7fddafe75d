"""The scope policy as a matrix: every route × role × own/other facility × own/other province.

The routes come from the app's own route table, so a new route fails this test until it says
here what it is (which kind of scope it needs). Each cell asserts that the policy decides: a
denial is a 403 with an audit entry, an allowed request is anything but a 403 (the bodies are
chosen so that an allowed write is refused later by a rule, or changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from issuer.db import make_engine, session_factory, transaction
from issuer.domain import Role, ScreeningOutcome, VerificationStatus
from issuer.models import AuditRecord
from issuer.reference import create_facility, create_lot, create_staff, ensure_vaccine_products
from issuer.services.doses import DoseData, record_dose
from issuer.services.persons import PersonData, check_in, set_verification
from issuer.services.registry import record_screening
from issuer.services.scope import Actor
from issuer.services.signing import FixedSigner
from issuer.web import create_app
from tests.factories import default_dsc

NOW = datetime.now(UTC)
TODAY = NOW.date()
PRODUCT = "EU/1/20/1528"
ACTORS = ("nurse_a", "fadmin_a", "nurse_b", "padmin_12", "padmin_01", "national", "auditor")


@dataclass
class World:
    """Province 12: sites A and B; province 01: site C. P_A was vaccinated at A, P_C at C."""

    app: Flask
    ids: dict[str, int]
    headers: dict[str, dict[str, str]]


def _actor(staff: Any) -> Actor:
    return Actor(staff.id, staff.username, Role(staff.role), staff.facility_id, staff.province_code)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from issuer.db import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('scope') / 'vaxpass.db'}"
    upgrade(url)
    factory = session_factory(make_engine(url))
    signer = FixedSigner(default_dsc().signer)
    ids: dict[str, int] = {}
    with transaction(factory) as s:
        ensure_vaccine_products(s)
        sites = {
            "a": create_facility(s, code="LCU-001", name="Trạm Y tế A", province_code="12"),
            "b": create_facility(s, code="LCU-002", name="Trạm Y tế B", province_code="12"),
            "c": create_facility(s, code="HNI-001", name="Trạm Y tế C", province_code="01"),
        }
        for site in sites.values():
            create_lot(
                s,
                facility=site,
                number="FK1234",
                product_code=PRODUCT,
                expires_on=TODAY + timedelta(days=90),
                quantity=100,
            )
        staff = {
            "nurse_a": create_staff(
                s, username="nurse_a", password="pw-1", role=Role.SITE_STAFF, facility=sites["a"]
            ),
            "fadmin_a": create_staff(
                s,
                username="fadmin_a",
                password="pw-1",
                role=Role.FACILITY_ADMIN,
                facility=sites["a"],
            ),
            "nurse_b": create_staff(
                s, username="nurse_b", password="pw-1", role=Role.SITE_STAFF, facility=sites["b"]
            ),
            "nurse_c": create_staff(
                s, username="nurse_c", password="pw-1", role=Role.SITE_STAFF, facility=sites["c"]
            ),
            "padmin_12": create_staff(
                s,
                username="padmin_12",
                password="pw-1",
                role=Role.PROVINCIAL_ADMIN,
                province_code="12",
            ),
            "padmin_01": create_staff(
                s,
                username="padmin_01",
                password="pw-1",
                role=Role.PROVINCIAL_ADMIN,
                province_code="01",
            ),
            "national": create_staff(
                s, username="national", password="pw-1", role=Role.NATIONAL_ADMIN
            ),
            "auditor": create_staff(s, username="auditor", password="pw-1", role=Role.AUDITOR),
            # accounts that the staff routes act on, and nobody logs in with
            "clerk_a": create_staff(
                s, username="clerk_a", password="pw-1", role=Role.SITE_STAFF, facility=sites["a"]
            ),
            "clerk_c": create_staff(
                s, username="clerk_c", password="pw-1", role=Role.SITE_STAFF, facility=sites["c"]
            ),
        }
        ids |= {"staff_a": staff["clerk_a"].id, "staff_c": staff["clerk_c"].id}
        actors = {name: _actor(st) for name, st in staff.items()}
        for key, nurse, padmin, number, commune in (
            ("a", "nurse_a", "padmin_12", "012090000001", "03433"),
            ("c", "nurse_c", "padmin_01", "001090000001", "00001"),
        ):
            person = check_in(
                s,
                actors[nurse],
                PersonData(
                    "cccd", number, "Đỗ Ngọc Vĩnh", "1990-03-09", "male", commune_code=commune
                ),
                NOW,
            ).person
            set_verification(s, actors[padmin], person.id, VerificationStatus.VERIFIED, None, NOW)
            record_screening(
                s,
                actors[nurse],
                person_id=person.id,
                facility_id=sites[key].id,
                outcome=ScreeningOutcome.ELIGIBLE,
                reasons=[],
                now=NOW,
            )
            dose = record_dose(
                s,
                actors[nurse],
                DoseData(f"k-{key}", person.id, sites[key].id, "FK1234", PRODUCT, 1, TODAY),
                NOW,
                signer,
            ).dose
            ids |= {f"person_{key}": person.id, f"dose_{key}": dose.id}
        ids |= {f"facility_{k}": site.id for k, site in sites.items()}
    app = create_app({"DATABASE_URL": url, "SIGNER_SOURCE": signer, "TESTING": True})
    client = app.test_client()
    headers = {}
    for name in ACTORS:
        r = client.post("/api/v1/auth/token", json={"username": name, "password": "pw-1"})
        assert r.status_code == 201, r.json
        headers[name] = {"Authorization": f"Bearer {r.json['token']}"}  # type: ignore[index]
    return World(app, ids, headers)


# -- who may do what: the policy, written out independently of issuer.services.scope -----------

Target = str  # "a": site A / person of A (province 12); "c": site C / person of C (province 01)


def _site_read(actor: str, t: Target) -> bool:
    return (
        actor in ("national", "auditor")
        or {
            "nurse_a": "a",
            "fadmin_a": "a",
            "padmin_12": "a",
            "padmin_01": "c",
        }.get(actor)
        == t
    )


def _site_write(actor: str, t: Target) -> bool:
    return actor != "auditor" and _site_read(actor, t)


def _site_manage(actor: str, t: Target) -> bool:
    return actor != "nurse_a" and _site_write(actor, t)


def _identity_change(actor: str, t: Target) -> bool:
    return (
        actor == "national" or {"fadmin_a": "a", "padmin_12": "a", "padmin_01": "c"}.get(actor) == t
    )


def _province_read(actor: str, t: Target) -> bool:
    return actor in ("national", "auditor") or {"padmin_12": "a", "padmin_01": "c"}.get(actor) == t


def _province_manage(actor: str, t: Target) -> bool:
    return actor == "national" or {"padmin_12": "a", "padmin_01": "c"}.get(actor) == t


def _staff_reader(actor: str, t: Target) -> bool:
    return actor in ("fadmin_a", "padmin_12", "padmin_01", "national", "auditor")


def _national(actor: str, t: Target) -> bool:
    return actor == "national"


def _anyone_writing(actor: str, t: Target) -> bool:
    return actor != "auditor"


def _anyone(actor: str, t: Target) -> bool:
    return True


@dataclass(frozen=True)
class Case:
    """How to call one route on a target, and who may.

    `target_body` adds the fields that name the target (its facility, its commune …).
    """

    allowed: Callable[[str, Target], bool]
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    target_body: Callable[[dict[str, int], Target], dict[str, Any]] | None = None


SITE_NAMES = {"a": "Trạm Y tế A", "c": "Trạm Y tế C"}
COMMUNES = {"a": "03433", "c": "00001"}  # in provinces 12 and 01


ROUTES: dict[tuple[str, str], Case] = {
    ("/api/v1/persons/<int:person_id>", "GET"): Case(_site_read),
    ("/api/v1/persons/<int:person_id>", "PATCH"): Case(_identity_change, {"sex": "male"}),
    ("/api/v1/persons/<int:person_id>/verification", "POST"): Case(
        _identity_change, {"status": "verified"}
    ),
    ("/api/v1/persons/check-in", "POST"): Case(
        _anyone_writing, {"qr": "012090000001||Đỗ Ngọc Vĩnh|09031990|Nam|Lai Châu|01012022"}
    ),
    ("/api/v1/persons", "GET"): Case(_anyone),  # scoped results: see the test below
    ("/api/v1/screenings", "POST"): Case(_site_write, {"outcome": "eligible"}),
    ("/api/v1/doses", "POST"): Case(
        _site_write,
        {"lot_number": "NOPE", "product_code": PRODUCT, "dose_number": 1},
        {"Idempotency-Key": "matrix"},
    ),
    ("/api/v1/doses/<int:dose_id>", "PATCH"): Case(_site_manage, {"given_on": TODAY.isoformat()}),
    ("/api/v1/doses/<int:dose_id>/adverse-events", "POST"): Case(
        _site_write, {"severity": "unknown"}
    ),
    ("/api/v1/doses/<int:dose_id>/certificate", "GET"): Case(_site_read),
    ("/api/v1/doses/<int:dose_id>/certificate.png", "GET"): Case(_site_read),
    ("/api/v1/facilities/<int:facility_id>/backlog", "GET"): Case(_site_read),
    ("/api/v1/facilities/<int:facility_id>/lots", "GET"): Case(_site_read),
    ("/api/v1/facilities/<int:facility_id>/teams", "GET"): Case(_site_read),
    ("/api/v1/facilities/<int:facility_id>/teams", "POST"): Case(
        _site_manage, {"name": "Ê kíp 1", "members": {"nobody": "lead"}}
    ),
    ("/api/v1/provinces/<code>/backlog", "GET"): Case(_province_read),
    ("/api/v1/certificate-revocations", "POST"): Case(
        _national, {"uvci": "URN:UVCI:01:VN:0123456789ABCDEF0123456789ABCDEF", "reason": "test"}
    ),
    ("/api/v1/auth/logout", "POST"): Case(_anyone),  # ends the caller's own token only
    # administration: an allowed write is refused by a rule after the scope, or changes nothing
    ("/api/v1/facilities", "GET"): Case(_anyone),  # scoped results: see test_admin_api
    ("/api/v1/facilities", "POST"): Case(
        _province_manage,
        {"code": "LCU-001", "name": "Trạm mới"},  # the code is taken: 409
        target_body=lambda ids, t: {"commune_code": COMMUNES[t]},
    ),
    ("/api/v1/facilities/<int:facility_id>", "PATCH"): Case(
        _site_manage,
        target_body=lambda ids, t: {"name": SITE_NAMES[t]},  # its own name
    ),
    ("/api/v1/facilities/<int:facility_id>/lots", "POST"): Case(
        _site_manage,  # another expiry than the lot FK1234 has: 409 LOT_DETAILS_MISMATCH
        {
            "number": "FK1234",
            "product_code": PRODUCT,
            "expires_on": (TODAY + timedelta(days=91)).isoformat(),
            "quantity": 1,
        },
    ),
    ("/api/v1/facilities/<int:facility_id>/lot-transfers", "POST"): Case(
        _province_manage,  # to itself: 422 TRANSFER_TO_SAME_FACILITY
        {"lot_number": "FK1234", "quantity": 1},
        target_body=lambda ids, t: {"to_facility_id": ids[f"facility_{t}"]},
    ),
    ("/api/v1/facilities/<int:facility_id>/adverse-events", "GET"): Case(_site_read),
    ("/api/v1/staff", "GET"): Case(_staff_reader),  # scoped results: see test_admin_api
    ("/api/v1/staff", "POST"): Case(
        _site_manage,  # the username is taken: 409
        {
            "username": "nurse_a",
            "full_name": "Lò Thị Mai",
            "role": "site_staff",
            "password": "a-long-enough-password",
        },
        target_body=lambda ids, t: {"facility_id": ids[f"facility_{t}"]},
    ),
    ("/api/v1/staff/<int:staff_id>", "PATCH"): Case(_site_manage, {"role": "site_staff"}),
    ("/api/v1/staff/<int:staff_id>/disable", "POST"): Case(_site_manage),  # a clerk nobody uses
    ("/api/v1/staff/<int:staff_id>/password", "POST"): Case(
        _site_manage,
        {"password": "short"},  # 422 PASSWORD_TOO_SHORT
    ),
}
PUBLIC = {
    "/api/v1/auth/token",
    "/api/v1/openapi.json",
    "/api/v1/admin-units/provinces",
    "/api/v1/admin-units/provinces/<code>/districts",
    "/api/v1/admin-units/districts/<code>/communes",
    "/trust-list.json",
    "/trust-list-v<int:version>.json",
    "/static/<path:filename>",
}


def test_every_route_is_in_the_matrix(world: World) -> None:
    routes = {
        (rule.rule, method)
        for rule in world.app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS") and rule.rule not in PUBLIC
    }
    assert routes == set(ROUTES), "say in ROUTES which scope a new route needs"


def _call(client: FlaskClient, world: World, rule: str, method: str, actor: str, t: Target) -> Any:
    case = ROUTES[(rule, method)]
    ids = world.ids
    path = (
        rule.replace("<int:person_id>", str(ids[f"person_{t}"]))
        .replace("<int:dose_id>", str(ids[f"dose_{t}"]))
        .replace("<int:facility_id>", str(ids[f"facility_{t}"]))
        .replace("<int:staff_id>", str(ids[f"staff_{t}"]))
        .replace("<code>", "12" if t == "a" else "01")
    )
    body = dict(case.body or {})
    if case.target_body is not None:
        body |= case.target_body(ids, t)
    if rule in ("/api/v1/screenings", "/api/v1/doses"):
        body |= {"person_id": ids[f"person_{t}"], "facility_id": ids[f"facility_{t}"]}
        body.setdefault("given_on", TODAY.isoformat())
    headers = world.headers[actor] | (case.headers or {})
    if rule == "/api/v1/auth/logout":
        return None  # logging out would end the token the other cells use; see test_api
    send = method != "GET" and not rule.endswith("/disable")
    return client.open(path, method=method, json=body if send else None, headers=headers)


def test_search_finds_only_what_the_scope_opens(world: World) -> None:
    """Before the matrix runs: its check-ins open records to more sites."""
    client = world.app.test_client()
    found = {}
    for actor in ACTORS:
        r = client.get(
            "/api/v1/persons?name=DO NGOC VINH&date_of_birth=1990-03-09",
            headers=world.headers[actor],
        )
        assert r.status_code == 200, r.json
        found[actor] = sorted(p["id"] for p in r.json)  # type: ignore[union-attr]
    a, c = world.ids["person_a"], world.ids["person_c"]
    assert found == {
        "nurse_a": [a],
        "fadmin_a": [a],
        "nurse_b": [],
        "padmin_12": [a],
        "padmin_01": [c],
        "national": sorted([a, c]),
        "auditor": sorted([a, c]),
    }


@pytest.mark.parametrize("target", ["a", "c"])
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("rule", "method"), sorted(ROUTES))
def test_the_policy_decides_every_cell(
    world: World, rule: str, method: str, actor: str, target: Target
) -> None:
    client = world.app.test_client()
    factory = session_factory(make_engine(world.app.config["DATABASE_URL"]))

    def denials() -> int:
        with factory() as s:
            return (
                s.scalar(
                    select(func.count()).where(
                        AuditRecord.action == "denied", AuditRecord.actor == actor
                    )
                )
                or 0
            )

    before = denials()
    response = _call(client, world, rule, method, actor, target)
    if response is None:
        return
    allowed = ROUTES[(rule, method)].allowed(actor, target)
    if allowed:
        assert response.status_code != 403, (actor, target, response.json)
        assert response.status_code < 500, response.json
    else:
        assert response.status_code == 403, (actor, target, response.status_code, response.json)
        assert response.json["code"] in ("FORBIDDEN", "NOT_CHECKED_IN")
        assert denials() == before + 1  # every denial is on record


def test_a_typed_number_of_another_province_gets_a_summary_not_the_record(world: World) -> None:
    client = world.app.test_client()
    r = client.post(
        "/api/v1/persons/check-in",
        json={
            "document_kind": "cccd",
            "document_number": "001090000001",
            "full_name": "Nguyễn Văn A",  # not the registered name
            "date_of_birth": "1990-03-09",
            "sex": "male",
        },
        headers=world.headers["nurse_a"],
    )
    assert r.status_code == 200, r.json
    person = r.json
    assert person["summary"] is True and person["id"] == world.ids["person_c"]  # type: ignore[index]
    assert "full_name" not in person and "date_of_birth" not in person  # type: ignore[operator]
    assert person["doses"] == [  # type: ignore[index]
        {"dose_number": 1, "given_on": TODAY.isoformat(), "product_code": PRODUCT}
    ]
    # and the record stays closed to that site
    r = client.get(f"/api/v1/persons/{world.ids['person_c']}", headers=world.headers["nurse_a"])
    assert r.status_code == 403


def test_a_denial_with_an_absurd_path_is_still_audited(world: World) -> None:
    client = world.app.test_client()
    factory = session_factory(make_engine(world.app.config["DATABASE_URL"]))
    path = "/api/v1/persons/" + "0" * 60 + str(world.ids["person_c"])
    r = client.get(path, headers=world.headers["nurse_b"])
    assert r.status_code == 403, r.json
    with factory() as s:
        entry = s.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "denied")
            .order_by(AuditRecord.id.desc())
        ).first()
    assert entry is not None and entry.actor == "nurse_b"
    assert entry.details is not None and "0" * 60 in entry.details["request"]


def test_another_sites_idempotency_key_replays_nothing(world: World) -> None:
    client = world.app.test_client()
    r = client.post(
        "/api/v1/doses",
        json={
            "person_id": world.ids["person_c"],
            "facility_id": world.ids["facility_a"],
            "lot_number": "FK1234",
            "product_code": PRODUCT,
            "dose_number": 1,
            "given_on": date.today().isoformat(),
        },
        headers=world.headers["nurse_a"] | {"Idempotency-Key": "k-c"},  # site C's key
    )
    assert r.status_code == 409 and r.json["code"] == "IDEMPOTENCY_KEY_REUSED", r.json  # type: ignore[index]
    assert "hc1" not in r.get_data(as_text=True)
