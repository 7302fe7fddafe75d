"""issuer.web.admin_units_api: the public, read-only lists of provinces, districts and communes."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.web import admin_units_api, problems

BASE = "/api/v1/admin-units"


@pytest.fixture
def client() -> FlaskClient:
    """A bare app with just this blueprint and the problem rendering `create_app` installs."""
    app = Flask(__name__)
    app.register_blueprint(admin_units_api.blueprint)
    problems.install(app)
    return app.test_client()


def test_provinces_without_any_credentials(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/provinces")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    body = response.get_json()
    assert len(body) == 63
    assert [p["code"] for p in body] == sorted(p["code"] for p in body)
    assert body[0] == {
        "code": "01",
        "name": "Hà Nội",
        "full_name": "Thành phố Hà Nội",
        "kind": "municipality",
    }
    assert {
        "code": "12",
        "name": "Lai Châu",
        "full_name": "Tỉnh Lai Châu",
        "kind": "province",
    } in body


def test_districts_of_a_province(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/provinces/12/districts")
    assert response.status_code == 200
    body = response.get_json()
    assert [d["code"] for d in body] == ["105", "106", "107", "108", "109", "110", "111", "112"]
    assert body[0] == {
        "code": "105",
        "name": "Lai Châu",
        "full_name": "Thành phố Lai Châu",
        "kind": "city",
    }
    assert body[2] == {
        "code": "107",
        "name": "Mường Tè",
        "full_name": "Huyện Mường Tè",
        "kind": "rural_district",
    }
    hcmc = client.get(f"{BASE}/provinces/79/districts").get_json()
    assert {"code": "760", "name": "1", "full_name": "Quận 1", "kind": "urban_district"} in hcmc


def test_communes_of_a_district(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/districts/107/communes")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    body = response.get_json()
    assert len(body) == 14
    assert body[0] == {
        "code": "03433",
        "name": "Mường Tè",
        "full_name": "Thị trấn Mường Tè",
        "kind": "township",
    }
    assert {c["kind"] for c in body} == {"township", "commune"}
    ba_dinh = client.get(f"{BASE}/districts/001/communes").get_json()
    assert ba_dinh[0] == {
        "code": "00001",
        "name": "Phúc Xá",
        "full_name": "Phường Phúc Xá",
        "kind": "ward",
    }


def test_a_district_without_a_commune_level_has_an_empty_list(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/districts/755/communes")  # Côn Đảo
    assert response.status_code == 200
    assert response.get_json() == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/provinces/03/districts", "PROVINCE_NOT_FOUND"),  # Hà Tây, merged into Hà Nội
        ("/provinces/1/districts", "PROVINCE_NOT_FOUND"),
        ("/provinces/001/districts", "PROVINCE_NOT_FOUND"),
        ("/provinces/%C4%90/districts", "PROVINCE_NOT_FOUND"),
        ("/districts/999/communes", "DISTRICT_NOT_FOUND"),
        ("/districts/1/communes", "DISTRICT_NOT_FOUND"),
        ("/districts/12/communes", "DISTRICT_NOT_FOUND"),
        ("/districts/" + "9" * 5000 + "/communes", "DISTRICT_NOT_FOUND"),
        ("/communes", "NOT_FOUND"),
    ],
)
def test_unknown_codes_are_404_problems(client: FlaskClient, path: str, code: str) -> None:
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["code"] == code
    assert len(response.data) < 300  # the unknown code is not echoed back


def test_the_lists_are_read_only(client: FlaskClient) -> None:
    response = client.post(f"{BASE}/provinces", json=[])
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"]
