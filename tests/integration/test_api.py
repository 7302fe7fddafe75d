"""The REST API end to end on SQLite and PostgreSQL: log in, check in, record, fetch, verify."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hcert.clock import FixedClock
from issuer.db import make_engine, session_factory, transaction
from issuer.models import AuditRecord, Dose
from issuer.seed import cccd_number
from issuer.services.signing import FixedSigner
from issuer.web import create_app
from tests.factories import default_dsc
from tests.issuer_factories import api_world
from verifier.qr import decode_qr_image
from verifier.trust_store import StaticTrustStore
from verifier.verifier import Verifier

TODAY = datetime.now(UTC).date()


@pytest.fixture
def client(database_url: str) -> FlaskClient:
    with transaction(session_factory(make_engine(database_url))) as s:
        api_world(s)
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SIGNER_SOURCE": FixedSigner(default_dsc().signer),
            "TESTING": True,
        }
    )
    return app.test_client()


def _login(client: FlaskClient, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"username": user, "password": f"{user}-pw"})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}  # type: ignore[index]


def _qr_line(born: str = "1990-03-09") -> str:
    import random

    number = cccd_number(random.Random(1), datetime.fromisoformat(born).date(), male=True)
    d = datetime.fromisoformat(born)
    return f"{number}|012345678|Đỗ Ngọc Vĩnh|{d:%d%m%Y}|Nam|Bản Sơn Bình, Tam Đường, Lai Châu|01012022\r\n"


def _dose_body(person_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "facility_id": 1,
        "lot_number": "FK1234",
        "product_code": "EU/1/20/1528",
        "dose_number": 1,
        "given_on": TODAY.isoformat(),
    } | overrides


def _checked_in_and_screened(client: FlaskClient, nurse: dict[str, str]) -> int:
    r = client.post("/api/v1/persons/check-in", json={"qr": _qr_line()}, headers=nurse)
    assert r.status_code == 201, r.json
    person = r.json["id"]  # type: ignore[index]
    r = client.post(
        f"/api/v1/persons/{person}/verification",
        json={"status": "verified"},
        headers=_login(client, "padmin"),
    )
    assert r.status_code == 200, r.json
    r = client.post(
        "/api/v1/screenings",
        json={"person_id": person, "facility_id": 1, "outcome": "eligible"},
        headers=nurse,
    )
    assert r.status_code == 201, r.json
    return int(person)


def test_the_curl_session(client: FlaskClient) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    again = client.post("/api/v1/persons/check-in", json={"qr": _qr_line()}, headers=nurse)
    assert (again.status_code, again.json["id"]) == (200, person)  # type: ignore[index]

    r = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "site1-0001"}
    )
    assert r.status_code == 201, r.json
    dose = r.json
    assert dose["sign_state"] == "signed" and dose["certificate"]["hc1"].startswith("HC1:")  # type: ignore[index]
    replay = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "site1-0001"}
    )
    assert (replay.status_code, replay.json["id"]) == (200, dose["id"])  # type: ignore[index]

    cert = client.get(f"/api/v1/doses/{dose['id']}/certificate", headers=nurse).json  # type: ignore[index]
    png = client.get(f"/api/v1/doses/{dose['id']}/certificate.png", headers=nurse)  # type: ignore[index]
    assert png.mimetype == "image/png"
    text = decode_qr_image(png.data)
    assert text == cert["hc1"]  # type: ignore[index]
    verdict = Verifier(
        StaticTrustStore.of(default_dsc().certificate), FixedClock(datetime.now(UTC))
    ).verify(text)
    assert verdict.valid, verdict.message
    assert verdict.content is not None
    assert verdict.content.dcc["nam"] == {
        "fn": "Đỗ",
        "gn": "Ngọc Vĩnh",
        "fnt": "DO",
        "gnt": "NGOC<VINH",
    }
    assert verdict.content.dcc["v"][0]["ci"] == cert["uvci"]  # type: ignore[index]

    backlog = client.get("/api/v1/facilities/1/backlog", headers=nurse).json
    assert backlog == {
        "facility_id": 1,
        "waiting": 0,
        "pending": 0,
        "reasons": {},
        "refusals": {},
        "oldest_unsigned_at": None,
        "oldest_age_seconds": None,
    }


@pytest.mark.parametrize(
    ("make_request", "status", "code"),
    [
        (
            lambda c, h, p: c.post(
                "/api/v1/doses",
                data="{not json",
                headers=h | {"Idempotency-Key": "x"},
                content_type="application/json",
            ),
            400,
            "MALFORMED_JSON",
        ),
        (lambda c, h, p: c.post("/api/v1/doses", json=_dose_body(p)), 401, "UNAUTHORIZED"),
        (
            lambda c, h, p: c.post("/api/v1/doses", json=_dose_body(p), headers=h),
            400,
            "IDEMPOTENCY_KEY_MISSING",
        ),
        (
            lambda c, h, p: c.post(
                "/api/v1/doses",
                json=_dose_body(p, facility_id=77),
                headers=h | {"Idempotency-Key": "x"},
            ),
            404,
            "FACILITY_NOT_FOUND",
        ),
        (
            lambda c, h, p: c.post(
                "/api/v1/doses",
                json=_dose_body(p, facility_id=2),
                headers=h | {"Idempotency-Key": "x"},
            ),
            403,
            "FORBIDDEN",
        ),
        (
            lambda c, h, p: c.post(
                "/api/v1/doses",
                json=_dose_body(p, lot_number="OLD1"),
                headers=h | {"Idempotency-Key": "x"},
            ),
            422,
            "LOT_EXPIRED",
        ),
        (
            lambda c, h, p: c.post(
                "/api/v1/doses",
                json=_dose_body(p, dose_number="one"),
                headers=h | {"Idempotency-Key": "x"},
            ),
            422,
            "FIELD_INVALID",
        ),
        (
            lambda c, h, p: c.post(
                "/api/v1/doses",
                data=json.dumps({"pad": "x" * 70_000}),
                headers=h | {"Idempotency-Key": "x"},
                content_type="application/json",
            ),
            413,
            "BODY_TOO_LARGE",
        ),
        (
            lambda c, h, p: c.post("/api/v1/persons/check-in", json={"qr": "012|bad"}, headers=h),
            422,
            "CCCD_QR_MALFORMED",
        ),
    ],
)
def test_bad_requests_get_a_clear_problem_and_write_nothing(
    client: FlaskClient, make_request: Any, status: int, code: str, database_url: str
) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    r = make_request(client, nurse, person)
    assert r.status_code == status, r.data
    assert r.mimetype == "application/problem+json"
    assert r.json["code"] == code  # type: ignore[index]
    with session_factory(make_engine(database_url))() as s:
        assert s.scalar(select(func.count()).select_from(Dose)) == 0


def test_a_wrong_role_is_a_403_and_is_audited(client: FlaskClient, database_url: str) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    r = client.post(
        "/api/v1/doses",
        json=_dose_body(person),
        headers=_login(client, "auditor") | {"Idempotency-Key": "a"},
    )
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")  # type: ignore[index]
    with session_factory(make_engine(database_url))() as s:
        denied = s.scalars(select(AuditRecord).where(AuditRecord.action == "denied")).all()
        assert [(d.actor, d.entity_id) for d in denied] == [("auditor", "POST /api/v1/doses")]


def test_wrong_password_and_unknown_routes(client: FlaskClient) -> None:
    r = client.post("/api/v1/auth/token", json={"username": "nurse", "password": "nope"})
    assert (r.status_code, r.json["code"]) == (401, "UNAUTHORIZED")  # type: ignore[index]
    r = client.get("/api/v1/nothing-here")
    assert (r.status_code, r.mimetype) == (404, "application/problem+json")


def test_openapi_document_lists_every_route_and_method(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").json
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}  # type: ignore[index]
    implemented = {
        (re.sub(r"<(?:int:)?(\w+)>", r"{\1}", str(rule)), method.lower())
        for rule in client.application.url_map.iter_rules()
        if str(rule).startswith("/api/v1")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert documented == implemented


def test_a_correction_reissues_the_certificate_and_revokes_the_old_one(
    database_url: str, client: FlaskClient
) -> None:
    from trust_list.service import MemoryRevocations

    revocations = MemoryRevocations()
    client.application.extensions["vaxpass"].revocations = revocations
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    dose = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "c1"}
    ).json
    old = dose["certificate"]["uvci"]  # type: ignore[index]

    denied = client.patch(
        f"/api/v1/persons/{person}", json={"full_name": "Đỗ Ngọc Vinh"}, headers=nurse
    )
    assert denied.status_code == 403  # site staff report; admins correct
    r = client.patch(
        f"/api/v1/persons/{person}",
        json={"full_name": "Đỗ Ngọc Vinh"},
        headers=_login(client, "padmin"),
    )
    assert r.status_code == 200, r.json
    assert r.json["revoked"] == [old] and len(r.json["reissued"]) == 1  # type: ignore[index]
    new = r.json["reissued"][0]  # type: ignore[index]
    assert new != old
    from hcert.trustlist import uvci_hash

    assert revocations.hashes() == {uvci_hash(old)}
    cert = client.get(f"/api/v1/doses/{dose['id']}/certificate", headers=nurse).json  # type: ignore[index]
    assert cert["uvci"] == new  # type: ignore[index]
    verdict = Verifier(
        StaticTrustStore.of(default_dsc().certificate), FixedClock(datetime.now(UTC))
    ).verify(cert["hc1"])  # type: ignore[index]
    assert verdict.content is not None and verdict.content.dcc["nam"]["gn"] == "Ngọc Vinh"


def test_corrections_that_cannot_be_reissued_are_refused_before_anything_is_revoked(
    client: FlaskClient,
) -> None:
    from trust_list.service import MemoryRevocations

    revocations = MemoryRevocations()
    client.application.extensions["vaxpass"].revocations = revocations
    nurse, admin = _login(client, "nurse"), _login(client, "padmin")
    person = _checked_in_and_screened(client, nurse)
    client.post("/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "c2"})
    for body, code in (
        ({"full_name": "0"}, "NAME_NOT_TRANSLITERABLE"),
        ({"date_of_birth": "2999-01-01"}, "DATE_INVALID"),
    ):
        r = client.patch(f"/api/v1/persons/{person}", json=body, headers=admin)
        assert (r.status_code, r.json["code"]) == (422, code)  # type: ignore[index]
    assert revocations.hashes() == frozenset()


def test_adverse_events_are_recorded_for_a_dose_of_the_site(client: FlaskClient) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    dose = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "ae"}
    ).json
    path = f"/api/v1/doses/{dose['id']}/adverse-events"  # type: ignore[index]
    r = client.post(
        path,
        json={"severity": "serious", "anaphylaxis_grade": 2, "outcome": "recovered"},
        headers=nurse,
    )
    assert r.status_code == 201, r.json
    assert (r.json["severity"], r.json["anaphylaxis_grade"]) == ("serious", 2)  # type: ignore[index]
    bad = client.post(path, json={"severity": "mild"}, headers=nurse)
    assert (bad.status_code, bad.json["code"]) == (422, "FIELD_INVALID")  # type: ignore[index]
    other = client.post(path, json={"severity": "common"}, headers=_login(client, "auditor"))
    assert other.status_code == 403


def test_a_foreign_name_is_signed_once_its_passport_mrz_form_is_entered(
    client: FlaskClient,
) -> None:
    nurse, admin = _login(client, "nurse"), _login(client, "padmin")
    r = client.post(
        "/api/v1/persons/check-in",
        json={
            "document_kind": "passport",
            "document_number": "E12345678",
            "full_name": "李 小龍",
            "date_of_birth": "1980-11-27",
            "sex": "male",
        },
        headers=nurse,
    )
    assert r.status_code == 201, r.json
    person = r.json["id"]  # type: ignore[index]
    assert (r.json["family_name_t"], r.json["given_name_t"]) == ("", "")  # type: ignore[index]
    client.post(
        f"/api/v1/persons/{person}/verification", json={"status": "verified"}, headers=admin
    )
    client.post(
        "/api/v1/screenings",
        json={"person_id": person, "facility_id": 1, "outcome": "eligible"},
        headers=nurse,
    )
    dose = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "mrz"}
    ).json
    assert dose["sign_state"] == "waiting" and dose["certificate"] is None  # type: ignore[index]

    bad = client.patch(f"/api/v1/persons/{person}", json={"family_name_t": "Li"}, headers=admin)
    assert (bad.status_code, bad.json["code"]) == (422, "FIELD_INVALID")  # type: ignore[index]
    r = client.patch(
        f"/api/v1/persons/{person}",
        json={"family_name_t": "LI", "given_name_t": "XIAO<LONG"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert r.json["revoked"] == [] and len(r.json["reissued"]) == 1  # type: ignore[index]
    cert = client.get(f"/api/v1/doses/{dose['id']}/certificate", headers=nurse).json  # type: ignore[index]
    verdict = Verifier(
        StaticTrustStore.of(default_dsc().certificate), FixedClock(datetime.now(UTC))
    ).verify(cert["hc1"])  # type: ignore[index]
    assert verdict.valid, verdict.message
    assert verdict.content is not None
    assert verdict.content.dcc["nam"] == {"fn": "李", "gn": "小龍", "fnt": "LI", "gnt": "XIAO<LONG"}


def test_lot_stock_counts_what_was_administered(client: FlaskClient) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    client.post("/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "s1"})
    r = client.get("/api/v1/facilities/1/lots", headers=_login(client, "auditor"))
    assert r.status_code == 200, r.json
    lots = {lot["number"]: lot for lot in r.json}  # type: ignore[union-attr]
    assert (lots["FK1234"]["received"], lots["FK1234"]["administered"]) == (1000, 1)
    assert (lots["FK1234"]["remaining"], lots["FK1234"]["expired"]) == (999, False)
    assert (lots["OLD1"]["administered"], lots["OLD1"]["expired"]) == (0, True)
    other_site = client.get("/api/v1/facilities/2/lots", headers=nurse)
    assert other_site.status_code == 403
    missing = client.get("/api/v1/facilities/99/lots", headers=nurse)
    assert (missing.status_code, missing.json["code"]) == (404, "FACILITY_NOT_FOUND")  # type: ignore[index]


def test_check_in_refuses_a_commune_code_the_gso_list_does_not_have(client: FlaskClient) -> None:
    nurse = _login(client, "nurse")
    ok = client.post(
        "/api/v1/persons/check-in", json={"qr": _qr_line(), "commune_code": "03433"}, headers=nurse
    )
    assert ok.status_code == 201, ok.json
    bad = client.post(
        "/api/v1/persons/check-in", json={"qr": _qr_line(), "commune_code": "99999"}, headers=nurse
    )
    assert (bad.status_code, bad.json["code"]) == (422, "COMMUNE_NOT_FOUND")  # type: ignore[index]


def test_the_published_trust_list_is_served_for_checkpoints(
    database_url: str, tmp_path: Any
) -> None:
    app = create_app({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path), "TESTING": True})
    client = app.test_client()
    missing = client.get("/trust-list.json")
    assert (missing.status_code, missing.json["code"]) == (404, "TRUST_LIST_NOT_PUBLISHED")  # type: ignore[index]
    (tmp_path / "publish").mkdir()
    (tmp_path / "publish" / "trust-list.json").write_bytes(b'{"signed": "v2"}')
    (tmp_path / "publish" / "trust-list-v1.json").write_bytes(b'{"signed": "v1"}')
    assert client.get("/trust-list.json").data == b'{"signed": "v2"}'
    assert client.get("/trust-list-v1.json").data == b'{"signed": "v1"}'
    assert client.get("/trust-list-v7.json").status_code == 404
    assert client.get("/trust-list.json/../../etc/passwd").status_code == 404


def test_teams_are_formed_by_admins_and_named_on_doses(client: FlaskClient) -> None:
    nurse, admin = _login(client, "nurse"), _login(client, "padmin")
    path = "/api/v1/facilities/1/teams"
    team = {"name": "Ê kíp 1", "members": {"nurse": "vaccinator"}}
    denied = client.post(path, json=team, headers=nurse)
    assert denied.status_code == 403  # site staff do not form teams
    r = client.post(path, json=team, headers=admin)
    assert r.status_code == 201, r.json
    team_id = r.json["id"]  # type: ignore[index]
    assert r.json["members"] == [{"username": "nurse", "role": "vaccinator"}]  # type: ignore[index]
    for body, status, code in (
        (team, 409, "TEAM_EXISTS"),
        ({"name": "Ê kíp 2", "members": {"padmin": "lead"}}, 422, "STAFF_NOT_FOUND"),
        ({"name": "Ê kíp 3", "members": {"nurse": "surgeon"}}, 422, "FIELD_INVALID"),
    ):
        bad = client.post(path, json=body, headers=admin)
        assert (bad.status_code, bad.json["code"]) == (status, code)  # type: ignore[index]
    listed = client.get(path, headers=_login(client, "auditor")).json
    assert [(t["id"], t["name"]) for t in listed] == [(team_id, "Ê kíp 1")]  # type: ignore[union-attr]

    person = _checked_in_and_screened(client, nurse)
    wrong = client.post(
        "/api/v1/doses",
        json=_dose_body(person, team_id=team_id + 1),
        headers=nurse | {"Idempotency-Key": "t0"},
    )
    assert (wrong.status_code, wrong.json["code"]) == (422, "TEAM_NOT_FOUND")  # type: ignore[index]
    dose = client.post(
        "/api/v1/doses",
        json=_dose_body(person, team_id=team_id),
        headers=nurse | {"Idempotency-Key": "t1"},
    )
    assert dose.status_code == 201, dose.json
    assert dose.json["team_id"] == team_id and dose.json["dose_number"] == 1  # type: ignore[index]


def test_a_database_restart_costs_at_most_a_503_and_never_a_dose(
    client: FlaskClient, database_url: str
) -> None:
    """The server closes every connection of the pool (as a PostgreSQL restart does)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to lose")
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    engine = client.application.extensions["vaxpass"].sessions.kw["bind"]
    admin = make_engine(database_url)

    def drop_the_app_connections() -> int:
        """Terminate the backends of the connections idle in the app's pool (only those: the
        other tests share this database)."""
        held = [engine.connect() for _ in range(engine.pool.checkedin())]
        pids = [c.exec_driver_sql("SELECT pg_backend_pid()").scalar() for c in held]
        for c in held:
            c.close()
        with admin.connect() as c:
            for pid in pids:
                c.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        return len(pids)

    assert drop_the_app_connections() >= 1
    # the dose path reads on a fresh connection when its pooled one is gone
    r = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "r1"}
    )
    assert (r.status_code, r.json["sign_state"]) == (201, "signed"), r.json  # type: ignore[index]
    assert drop_the_app_connections() >= 1
    # elsewhere too: the first request after the drop already answers (it retries once)
    answers = [client.get(f"/api/v1/persons/{person}", headers=nurse) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200], answers[0].json
    with session_factory(admin)() as s:
        assert s.scalar(select(func.count()).select_from(Dose)) == 1
    admin.dispose()


def test_a_revoked_certificate_reads_revoked_and_goes_onto_the_revocation_list(
    client: FlaskClient, database_url: str
) -> None:
    nurse = _login(client, "nurse")
    person = _checked_in_and_screened(client, nurse)
    r = client.post(
        "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "rv-1"}
    )
    dose, uvci = r.json["id"], r.json["certificate"]["uvci"]  # type: ignore[index]
    body = {"uvci": uvci, "reason": "issued in error"}
    refused = client.post("/api/v1/certificate-revocations", json=body, headers=nurse)
    assert refused.status_code == 403  # national admins only
    with transaction(session_factory(make_engine(database_url))) as s:
        from issuer.domain import Role
        from issuer.reference import create_staff

        create_staff(s, username="national", password="national-pw", role=Role.NATIONAL_ADMIN)
    national = _login(client, "national")
    r = client.post("/api/v1/certificate-revocations", json=body, headers=national)
    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["revocation_reason"]) == ("revoked", "issued in error")  # type: ignore[index]
    again = client.post("/api/v1/certificate-revocations", json=body, headers=national)
    assert (again.status_code, again.json["code"]) == (409, "CERTIFICATE_NOT_VALID")  # type: ignore[index]
    revocations = client.application.extensions["vaxpass"].revocations
    from hcert.trustlist import uvci_hash

    assert uvci_hash(uvci) in revocations.hashes()  # what the next trust list carries
    # the registry agrees: no valid certificate for the dose any more
    r = client.get(f"/api/v1/doses/{dose}/certificate", headers=nurse)
    assert (r.status_code, r.json["code"]) == (404, "CERTIFICATE_NOT_SIGNED")  # type: ignore[index]


def test_failed_logins_are_audited_and_throttled(client: FlaskClient, database_url: str) -> None:
    from issuer.services.auth import MAX_FAILURES_PER_ACCOUNT

    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        r = client.post("/api/v1/auth/token", json={"username": "nurse", "password": "wrong"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "nurse", "password": "nurse-pw"})
    assert (r.status_code, r.json["code"]) == (429, "TOO_MANY_ATTEMPTS")  # type: ignore[index]
    assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
    with session_factory(make_engine(database_url))() as s:
        failed = s.scalar(select(func.count()).where(AuditRecord.action == "login-failed"))
    assert failed == MAX_FAILURES_PER_ACCOUNT  # committed with each 401


def test_logout_ends_the_token_at_once(client: FlaskClient) -> None:
    nurse = _login(client, "nurse")
    assert client.get("/api/v1/facilities/1/lots", headers=nurse).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=nurse).status_code == 200
    assert client.get("/api/v1/facilities/1/lots", headers=nurse).status_code == 401


@pytest.mark.parametrize("bad", ["Lò\x00Văn", "Lò\x1b[31mVăn", "Lò\u202eVăn", "Lò\x85Văn"])
def test_control_characters_are_refused_with_a_clear_422(client: FlaskClient, bad: str) -> None:
    nurse = _login(client, "nurse")
    r = client.post(
        "/api/v1/persons/check-in",
        json={
            "document_kind": "passport",
            "document_number": "B1234567",
            "full_name": bad,
            "date_of_birth": "1990-01-01",
            "sex": "male",
        },
        headers=nurse,
    )
    assert (r.status_code, r.json["code"]) == (422, "TEXT_CONTROL_CHARACTER"), r.json  # type: ignore[index]


def test_deep_json_and_implausible_birth_dates_are_refused(client: FlaskClient) -> None:
    nurse = _login(client, "nurse")
    deep = "[" * 5000 + "]" * 5000
    r = client.post(
        "/api/v1/persons/check-in",
        data=deep,
        headers=nurse | {"Content-Type": "application/json"},
    )
    assert (r.status_code, r.json["code"]) == (400, "MALFORMED_JSON")  # type: ignore[index]
    r = client.post(
        "/api/v1/persons/check-in",
        json={
            "document_kind": "passport",
            "document_number": "B1234567",
            "full_name": "Lò Văn Pọm",
            "date_of_birth": "1500-01-01",
            "sex": "male",
        },
        headers=nurse,
    )
    assert (r.status_code, r.json["code"]) == (422, "DATE_INVALID")  # type: ignore[index]


def test_the_serving_process_signs_the_backlog_with_no_one_at_the_keyboard(
    database_url: str,
) -> None:
    """A dose recorded while no DSC could sign waits; once one can, the loop signs it."""
    import time

    with transaction(session_factory(make_engine(database_url))) as s:
        api_world(s)

    class Switch:
        def __init__(self) -> None:
            self.on = False

        def signer(self, expires_at: datetime) -> Any:
            return default_dsc().signer if self.on else None

    switch = Switch()
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SIGNER_SOURCE": switch,
            "SIGNING_LOOP_SECONDS": 0.1,
            "TESTING": True,
        }
    )
    try:
        client = app.test_client()
        nurse = _login(client, "nurse")
        person = _checked_in_and_screened(client, nurse)
        r = client.post(
            "/api/v1/doses", json=_dose_body(person), headers=nurse | {"Idempotency-Key": "loop"}
        )
        assert (r.status_code, r.json["sign_state"]) == (201, "pending")  # type: ignore[index]
        dose = r.json["id"]  # type: ignore[index]
        backlog = client.get("/api/v1/facilities/1/backlog", headers=nurse).json
        assert backlog["reasons"] == {"no_active_dsc": 1}  # type: ignore[index]
        switch.on = True  # the administrators activate a DSC
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = client.get(f"/api/v1/doses/{dose}/certificate", headers=nurse)
            if r.status_code == 200:
                break
            time.sleep(0.1)
        assert r.status_code == 200, r.json
        assert r.json["hc1"].startswith("HC1:")  # type: ignore[index]
    finally:
        app.extensions["vaxpass.signing_loop"].stop()
