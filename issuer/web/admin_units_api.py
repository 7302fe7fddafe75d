"""Viet Nam's administrative units under ``/api/v1/admin-units``: read-only reference data.

The province, district and commune lists that forms need to pick a person's residence commune
or a facility's commune, from `issuer.admin_units` (the GSO codes, structure of 2021-2023).
Every answer is a JSON list of ``{code, name, full_name, kind}`` in GSO code order; an unknown
code is a 404 problem (`issuer.web.problems`), rendered by the app's refusal handler as
every other.

No authentication: the codes and names are public facts published by the General Statistics
Office, the same for every caller, and reveal nothing about persons, facilities or staff.
The table changes only with a release, so answers may be cached for a day.
"""

from __future__ import annotations

from typing import Final

from flask import Blueprint, Response, jsonify

from issuer import admin_units
from issuer.admin_units import Commune, District, Province
from issuer.services.errors import IssuerCode, NotFound

blueprint = Blueprint("admin_units_api", __name__, url_prefix="/api/v1/admin-units")
CACHE_CONTROL: Final = "public, max-age=86400"


def _answer(units: tuple[Province, ...] | tuple[District, ...] | tuple[Commune, ...]) -> Response:
    response = jsonify(
        [
            {"code": u.code, "name": u.name_vi, "full_name": u.full_name_vi, "kind": u.kind.value}
            for u in units
        ]
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@blueprint.get("/provinces")
def provinces() -> Response:
    """The 63 provinces and centrally-run cities."""
    return _answer(admin_units.all_provinces())


@blueprint.get("/provinces/<code>/districts")
def districts(code: str) -> Response:
    """The district-level units of one province (GSO code of two digits, e.g. ``12``)."""
    found = admin_units.districts_of(code)
    if found is None:
        raise NotFound(
            IssuerCode.PROVINCE_NOT_FOUND, "no province has this code (two digits, e.g. 01)"
        )
    return _answer(found)


@blueprint.get("/districts/<code>/communes")
def communes(code: str) -> Response:
    """The commune-level units of one district (three digits, e.g. ``107``); may be empty."""
    found = admin_units.communes_of(code)
    if found is None:
        raise NotFound(
            IssuerCode.DISTRICT_NOT_FOUND, "no district has this code (three digits, e.g. 001)"
        )
    return _answer(found)
