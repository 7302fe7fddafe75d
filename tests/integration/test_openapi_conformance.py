"""The API answers as its OpenAPI document says, for requests generated from that document.

Schemathesis reads ``/api/v1/openapi.json`` from the app itself and, for every operation,
sends generated requests (valid ones, and invalid ones the API must refuse) with a real bearer
token of a provincial admin. Every answer must have a documented status, a body matching the
documented schema (``application/problem+json`` for 4XX), and never be a 5xx. The happy paths
random input cannot reach (a real login, a new person, a dose on a received lot, a replay) are
sent by hand through the same checks.

SQLite only: this is about the document and the handlers; test_api.py runs the handlers on
PostgreSQL too. Reproducible: generation is derandomized and uses no example database.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

import pytest
import schemathesis
from flask.testing import FlaskClient
from schemathesis import Case, CheckContext, Response

from issuer.db import make_engine, session_factory, transaction, upgrade
from issuer.seed import cccd_number
from issuer.services.signing import FixedSigner
from issuer.web import create_app
from issuer.web.context import services
from issuer.web.openapi import OPENAPI
from tests.factories import default_dsc
from tests.issuer_factories import api_world
from trust_list.service import MemoryRevocations

TODAY = datetime.now(UTC).date()
LOGIN = {"username": "padmin", "password": "padmin-pw"}

# The app exists at import time so that schemathesis reads the document the app serves while
# pytest collects one test per operation; `bearer` plugs a migrated database in behind it.
APP = create_app(
    {
        "DATABASE_URL": "sqlite:///:memory:",
        "SIGNER_SOURCE": FixedSigner(default_dsc().signer),
        "REVOCATIONS": MemoryRevocations(),
        "TESTING": True,
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    APP,
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "mode": "all",  # valid requests must pass, invalid ones must be refused
                "max-examples": 25,
                "deterministic": True,
                "database": "none",
            },
            "checks": {
                # 422 added to the defaults: schema-valid input may still break a domain rule
                # the document cannot state (lot not received here, CCCD number against birth
                # date, dose order), refused with the rule's own code. A 422 from a field check
                # is still a failure: see `schema_valid_fields_pass_the_field_checks`.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
                },
            },
        }
    ),
)

# The codes of the API's own field checks (`issuer.web.api._body`, `_field`, the Idempotency-Key
# header): what they refuse, the document must call invalid.
FIELD_CODES = {"MALFORMED_JSON", "FIELD_MISSING", "FIELD_INVALID", "IDEMPOTENCY_KEY_MISSING"}


def schema_valid_fields_pass_the_field_checks(
    ctx: CheckContext, response: Response, case: Case
) -> None:
    """Schema-valid input may be refused for a domain rule, never by a field check."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code in (400, 422) and response.json().get("code") in FIELD_CODES:
        raise AssertionError(f"schema-valid input refused by a field check: {response.text}")


def _qr_line(born: date, male: bool, seed: int) -> str:
    """A CCCD QR line whose number agrees with the birth date and sex."""
    number = cccd_number(random.Random(seed), born, male=male)
    sex = "Nam" if male else "Nữ"
    return f"{number}|012345678|Đỗ Ngọc Vĩnh|{born:%d%m%Y}|{sex}|Bản Sơn Bình, Tam Đường, Lai Châu|01012022"


def _dose(person_id: int) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "facility_id": 1,
        "lot_number": "FK1234",
        "product_code": "EU/1/20/1528",
        "dose_number": 1,
        "given_on": TODAY.isoformat(),
    }


def _ok(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data
    body: dict[str, Any] = response.json
    return body


def _seed(url: str) -> None:
    with transaction(session_factory(make_engine(url))) as s:
        api_world(s)


def _seed_person_1_with_signed_dose_1(client: FlaskClient, auth: dict[str, str]) -> None:
    """So that the small ids generation tries first reach the happy paths too."""
    qr = {"qr": _qr_line(date(1990, 3, 9), male=True, seed=1)}
    assert _ok(client.post("/api/v1/persons/check-in", json=qr, headers=auth), 201)["id"] == 1
    verified = {"status": "verified"}
    _ok(client.post("/api/v1/persons/1/verification", json=verified, headers=auth), 200)
    screening = {"person_id": 1, "facility_id": 1, "outcome": "eligible"}
    _ok(client.post("/api/v1/screenings", json=screening, headers=auth), 201)
    key = {"Idempotency-Key": "seed-1"}
    dose = _ok(client.post("/api/v1/doses", json=_dose(1), headers=auth | key), 201)
    assert (dose["id"], dose["sign_state"]) == (1, "signed")


@pytest.fixture(scope="module")
def bearer(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh database behind `APP`, and the Authorization header of a provincial admin."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'vaxpass.db'}"
    upgrade(url)
    _seed(url)
    services(APP).sessions = session_factory(make_engine(url))
    client = APP.test_client()
    token = _ok(client.post("/api/v1/auth/token", json=LOGIN), 201)["token"]
    auth = {"Authorization": f"Bearer {token}"}
    _seed_person_1_with_signed_dose_1(client, auth)
    return auth


def test_the_served_document_is_the_one_in_the_code() -> None:
    assert APP.test_client().get("/api/v1/openapi.json").json == OPENAPI


def test_a_405_names_the_allowed_methods() -> None:
    r = APP.test_client().delete("/api/v1/openapi.json")
    assert (r.status_code, r.mimetype) == (405, "application/problem+json")
    assert "GET" in r.headers["Allow"].replace(" ", "").split(",")


@schema.parametrize()
def test_every_operation_answers_as_documented(case: Case, bearer: dict[str, str]) -> None:
    case.call_and_validate(
        headers=bearer, additional_checks=[schema_valid_fields_pass_the_field_checks]
    )


def _send(method: str, path: str, auth: dict[str, str], **parts: Any) -> Response:
    """One hand-made request, under the same checks as the generated ones."""
    response: Response = schema[path][method].Case(**parts).call_and_validate(headers=auth)
    return response


def test_the_happy_paths_answer_as_documented(bearer: dict[str, str]) -> None:
    """What random input cannot reach: a login, a new person, a dose on a received lot, replays."""
    login = _send("POST", "/api/v1/auth/token", {}, body=LOGIN)
    assert (login.status_code, login.json()["role"]) == (201, "provincial_admin")
    auth = {"Authorization": f"Bearer {login.json()['token']}"}

    qr = {"qr": _qr_line(date(1985, 11, 30), male=False, seed=2)}
    first = _send("POST", "/api/v1/persons/check-in", auth, body=qr)
    again = _send("POST", "/api/v1/persons/check-in", auth, body=qr)
    person = first.json()["id"]
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 200, person)

    ids = {"person_id": person}
    path = "/api/v1/persons/{person_id}/verification"
    verified = _send("POST", path, auth, path_parameters=ids, body={"status": "verified"})
    assert verified.json()["verification"] == "verified"
    screening = {"person_id": person, "facility_id": 1, "outcome": "eligible"}
    assert _send("POST", "/api/v1/screenings", auth, body=screening).status_code == 201

    key = {"Idempotency-Key": f"happy-{person}"}
    dose = _send("POST", "/api/v1/doses", auth, headers=key, body=_dose(person))
    replay = _send("POST", "/api/v1/doses", auth, headers=key, body=_dose(person))
    assert (dose.status_code, dose.json()["sign_state"]) == (201, "signed")
    assert (replay.status_code, replay.json()["id"]) == (200, dose.json()["id"])

    of_dose = {"dose_id": dose.json()["id"]}
    cert = _send("GET", "/api/v1/doses/{dose_id}/certificate", auth, path_parameters=of_dose)
    png = _send("GET", "/api/v1/doses/{dose_id}/certificate.png", auth, path_parameters=of_dose)
    assert cert.json()["hc1"] == dose.json()["certificate"]["hc1"]
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    person_now = _send("GET", "/api/v1/persons/{person_id}", auth, path_parameters=ids)
    assert [d["id"] for d in person_now.json()["doses"]] == [dose.json()["id"]]


def test_the_administration_happy_paths_answer_as_documented(bearer: dict[str, str]) -> None:
    """A facility made, listed and edited; a lot received, topped up and transferred; an
    account made, listed, re-roled, given a random password and disabled.
    """
    login = _send("POST", "/api/v1/auth/token", {}, body=LOGIN)  # generated logouts end `bearer`
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    made = _send(
        "POST",
        "/api/v1/facilities",
        auth,
        body={
            "code": "HAPPY-1",
            "name": "Trạm Y tế KCN",
            "commune_code": "03433",  # Lai Châu, the provincial admin's province
            "industrial_zone": "KCN  Tam Đường",
        },
    )
    site = made.json()
    assert (made.status_code, site["province_code"], site["industrial_zone"]) == (
        201,
        "12",
        "KCN Tam Đường",
    )
    listed = _send("GET", "/api/v1/facilities", auth, query={"province_code": "12"})
    assert site["id"] in [f["id"] for f in listed.json()]
    of_site = {"facility_id": site["id"]}
    edited = _send(
        "PATCH",
        "/api/v1/facilities/{facility_id}",
        auth,
        path_parameters=of_site,
        body={"industrial_zone": None, "mobile": True},
    )
    assert (edited.json()["industrial_zone"], edited.json()["mobile"]) == (None, True)

    lot = {
        "number": "HAPPY-LOT",
        "product_code": "EU/1/20/1528",
        "expires_on": TODAY.replace(year=TODAY.year + 1).isoformat(),
        "quantity": 10,
    }
    path = "/api/v1/facilities/{facility_id}/lots"
    first = _send("POST", path, auth, path_parameters={"facility_id": 1}, body=lot)
    again = _send("POST", path, auth, path_parameters={"facility_id": 1}, body=lot)
    assert (first.status_code, again.status_code, again.json()["received"]) == (201, 200, 20)
    moved = _send(
        "POST",
        "/api/v1/facilities/{facility_id}/lot-transfers",
        auth,
        path_parameters={"facility_id": 1},
        body={"lot_number": "HAPPY-LOT", "to_facility_id": site["id"], "quantity": 4},
    ).json()
    assert (moved["source"]["remaining"], moved["destination"]["remaining"]) == (16, 4)
    events = _send(
        "GET",
        "/api/v1/facilities/{facility_id}/adverse-events",
        auth,
        path_parameters={"facility_id": 1},
        query={"from": "2021-01-01", "to": TODAY.isoformat(), "severity": "serious"},
    )
    assert events.status_code == 200

    account = _send(
        "POST",
        "/api/v1/staff",
        auth,
        body={
            "username": "happy.clerk",
            "full_name": "Lò Thị Mai",
            "role": "site_staff",
            "facility_id": site["id"],
            "password": "correct horse battery",
        },
    ).json()
    assert (account["role"], account["province_code"]) == ("site_staff", "12")
    staff = _send("GET", "/api/v1/staff", auth, query={"facility_id": site["id"]})
    assert [s["username"] for s in staff.json()] == ["happy.clerk"]
    of_account = {"staff_id": account["id"]}
    promoted = _send(
        "PATCH",
        "/api/v1/staff/{staff_id}",
        auth,
        path_parameters=of_account,
        body={"role": "facility_admin"},
    )
    assert promoted.json()["role"] == "facility_admin"
    reset = _send(
        "POST", "/api/v1/staff/{staff_id}/password", auth, path_parameters=of_account, body={}
    )
    assert len(reset.json()["password"]) >= 12
    assert reset.headers["cache-control"] == ["no-store"]  # shown once, never cached
    disabled = _send("POST", "/api/v1/staff/{staff_id}/disable", auth, path_parameters=of_account)
    assert disabled.json()["active"] is False
