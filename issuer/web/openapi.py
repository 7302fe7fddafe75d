"""The OpenAPI 3.1 document of ``/api/v1`` (checked against the implementation in the tests)."""

from __future__ import annotations

from typing import Any

from issuer.domain import Role, TeamRole

_PROBLEM = {"$ref": "#/components/responses/Problem"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    responses: dict[str, Any],
    body: dict[str, Any] | None = None,
    auth: bool = True,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    # 503 DATABASE_UNAVAILABLE: the database did not answer; retry (with the same key)
    problems = {"4XX": _PROBLEM, "503": _PROBLEM}
    op: dict[str, Any] = {"summary": summary, "responses": {**responses, **problems}}
    if body is not None:
        op["requestBody"] = {"required": True, **_json(_null_as_absent(body))}
    if not auth:
        op["security"] = []
    if params:
        op["parameters"] = params
    return op


def _null_as_absent(body: dict[str, Any]) -> dict[str, Any]:
    """Let every optional property of a request body be null: `api._field` reads null as absent."""
    if "oneOf" in body:
        return {**body, "oneOf": [_null_as_absent(branch) for branch in body["oneOf"]]}
    required = set(body.get("required", ()))
    properties = {
        name: schema if name in required else _nullable(schema)
        for name, schema in body.get("properties", {}).items()
    }
    return {**body, "properties": properties}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# Ids and counts are PostgreSQL INTEGERs: a larger number names no row and is refused.
MAX_INT = 2**31 - 1
_INT = {"type": "integer", "minimum": 1, "maximum": MAX_INT}


def _id_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _INT}


def _text(max_len: int) -> dict[str, Any]:
    """A text field as `api._field` takes it: not blank, at most `max_len` characters."""
    return {"type": "string", "minLength": 1, "maxLength": max_len, "pattern": r"\S"}


# `format` only annotates in OpenAPI 3.1 (JSON Schema 2020-12 §7.2.1); the pattern asserts
_DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_NAME = _text(120)
# a UVCI's shape (`hcert.uvci.is_well_formed`, eHN guidelines Annex 2)
_UVCI = {
    "type": "string",
    "maxLength": 50,
    "pattern": "^(URN:UVCI:)?01[:/]?[A-Z]{2}[:/][A-Z0-9][A-Z0-9/:]*(#[A-Z0-9/:])?$",
}
# a name as in a passport's machine-readable zone (DCC schema fnt/gnt)
_MRZ_NAME = {"type": "string", "pattern": "^[A-Z<]{1,80}$"}


def _units(summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    unit = {
        "type": "object",
        "required": ["code", "name", "full_name", "kind"],
        "properties": {k: {"type": "string"} for k in ("code", "name", "full_name", "kind")},
    }
    return _op(
        summary,
        {"200": {"description": "units in code order", **_json({"type": "array", "items": unit})}},
        auth=False,
        params=params,
    )


def _code_param(name: str, digits: int) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": f"^[0-9]{{{digits}}}$"},
    }


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    param = {"name": name, "in": "query", "schema": schema}
    return param | ({"description": description} if description else {})


_PAGE = 500  # the most items a list answers; page on with `after` (the last id seen)
_PAGING = [
    _query("after", _INT, "answer only items with a larger id (the last id of the page before)"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": _PAGE}, f"at most {_PAGE}"),
]
_PROVINCE_CODE = {"type": "string", "pattern": "^[0-9]{2}$"}
_COMMUNE_CODE = {"type": "string", "pattern": "^[0-9]{5}$"}
_FACILITY_CODE = {"type": "string", "pattern": "^[A-Z0-9][A-Z0-9._-]{0,19}$"}
_PASSWORD = {"type": "string", "minLength": 12, "maxLength": 200, "pattern": r"\S"}
_ROLE = {"enum": [r.value for r in Role]}


def _list_of(name: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, **_json({"type": "array", "items": _ref(name)})}}


_ADMIN_PATHS: dict[str, Any] = {
    "/api/v1/facilities": {
        "get": _op(
            "The facilities in the caller's scope, by id (site roles: their own)",
            _list_of("Facility", "facilities"),
            params=[_query("province_code", _PROVINCE_CODE), *_PAGING],
        ),
        "post": _op(
            "Create a facility in a commune, perhaps in an industrial zone (national admins; "
            "provincial admins in their province)",
            {"201": {"description": "the facility", **_json(_ref("Facility"))}},
            {
                "type": "object",
                "required": ["code", "name", "commune_code"],
                "properties": {
                    "code": _FACILITY_CODE,
                    "name": _text(200),
                    "commune_code": _COMMUNE_CODE,
                    "industrial_zone": _text(120),
                    "mobile": {"type": "boolean"},
                },
            },
        ),
    },
    "/api/v1/facilities/{facility_id}": {
        "patch": _op(
            "Edit a facility: name, commune (within its province), industrial zone (null: "
            "none), mobile. A facility admin may rename their own facility, nothing more",
            {"200": {"description": "the facility", **_json(_ref("Facility"))}},
            {
                "type": "object",
                "properties": {
                    "name": _text(200),
                    "commune_code": _COMMUNE_CODE,
                    "industrial_zone": _text(120),
                    "mobile": {"type": "boolean"},
                },
            },
            params=[_id_param("facility_id")],
        )
    },
    "/api/v1/facilities/{facility_id}/lot-transfers": {
        "post": _op(
            "Transfer doses of a lot to another facility (provincial admins within their "
            "province, national admins); never more than the lot has left, never an expired lot",
            {"201": {"description": "the transfer", **_json(_ref("LotTransfer"))}},
            {
                "type": "object",
                "required": ["lot_number", "to_facility_id", "quantity"],
                "properties": {
                    "lot_number": _text(40),
                    "to_facility_id": _INT,
                    "quantity": _INT,
                },
            },
            params=[_id_param("facility_id")],
        )
    },
    "/api/v1/facilities/{facility_id}/adverse-events": {
        "get": _op(
            "Reactions after the facility's doses, by the day reported (Viet Nam time, both "
            "days included); the dose, never the person",
            _list_of("AdverseEvent", "adverse events by id"),
            params=[
                _id_param("facility_id"),
                _query("from", _DATE),
                _query("to", _DATE),
                _query("severity", {"enum": ["common", "serious"]}),
                *_PAGING,
            ],
        )
    },
    "/api/v1/staff": {
        "get": _op(
            "The staff accounts in the caller's scope, by id (admins and auditors; audited)",
            _list_of("Staff", "accounts"),
            params=[_query("facility_id", _INT), *_PAGING],
        ),
        "post": _op(
            "Create an account (a role the caller may give, in the caller's scope)",
            {"201": {"description": "the account", **_json(_ref("Staff"))}},
            {
                "type": "object",
                "required": ["username", "full_name", "role", "password"],
                "properties": {
                    "username": {"type": "string", "pattern": "^[a-z0-9._-]{3,60}$"},
                    "full_name": _NAME,
                    "role": _ROLE,
                    "password": _PASSWORD,
                    "facility_id": _INT,
                    "province_code": _PROVINCE_CODE,
                },
            },
        ),
    },
    "/api/v1/staff/{staff_id}": {
        "patch": _op(
            "Change an account's role, facility, province or full name (not one's own)",
            {"200": {"description": "the account", **_json(_ref("Staff"))}},
            {
                "type": "object",
                "properties": {
                    "role": _ROLE,
                    "facility_id": _INT,
                    "province_code": _PROVINCE_CODE,
                    "full_name": _NAME,
                },
            },
            params=[_id_param("staff_id")],
        )
    },
    "/api/v1/staff/{staff_id}/disable": {
        "post": _op(
            "Disable an account (not one's own): no login, its tokens stop at once",
            {"200": {"description": "the account", **_json(_ref("Staff"))}},
            params=[_id_param("staff_id")],
        )
    },
    "/api/v1/staff/{staff_id}/password": {
        "post": _op(
            "Set an account's password, or with {} a random one answered once; its tokens stop",
            {"200": {"description": "done", **_json(_ref("PasswordReset"))}},
            {"type": "object", "properties": {"password": _PASSWORD}},
            params=[_id_param("staff_id")],
        )
    },
}

_ADMIN_SCHEMAS: dict[str, Any] = {
    "Facility": {
        "type": "object",
        "required": ["id", "code", "name", "province_code", "mobile"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "province_code": {"type": "string"},
            "commune_code": {"type": ["string", "null"]},
            "industrial_zone": {"type": ["string", "null"]},
            "mobile": {"type": "boolean"},
        },
    },
    "Staff": {
        "type": "object",
        "required": ["id", "username", "full_name", "role", "active"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "full_name": {"type": "string"},
            "role": _ROLE,
            "facility_id": {"type": ["integer", "null"]},
            "province_code": {"type": ["string", "null"]},
            "active": {"type": "boolean"},
        },
    },
    "PasswordReset": {
        "type": "object",
        "required": ["staff", "tokens_revoked"],
        "properties": {
            "staff": _ref("Staff"),
            "tokens_revoked": {"type": "integer"},
            "password": {"type": "string", "description": "the generated password, shown once"},
        },
    },
    "LotTransfer": {
        "type": "object",
        "required": ["id", "lot_number", "quantity", "from_facility_id", "to_facility_id"],
        "properties": {
            "id": {"type": "integer"},
            "lot_number": {"type": "string"},
            "product_code": {"type": "string"},
            "quantity": {"type": "integer"},
            "from_facility_id": {"type": "integer"},
            "to_facility_id": {"type": "integer"},
            "by": {"type": "string"},
            "at": {"type": "string"},
            "source": _ref("LotStock"),
            "destination": _ref("LotStock"),
        },
    },
    "AdverseEvent": {
        "type": "object",
        "required": ["id", "dose_id", "severity", "reported_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "dose_id": {"type": "integer"},
            "severity": {"enum": ["common", "serious"]},
            "anaphylaxis_grade": {"type": ["integer", "null"]},
            "outcome": {"type": ["string", "null"]},
            "reported_at": {"type": "string"},
        },
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "vaxpass issuer",
        "version": "1",
        "description": "Viet Nam COVID-19 vaccination registry and same-day signing.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/auth/token": {
            "post": _op(
                "Exchange username and password for a bearer token",
                {"201": {"description": "token", **_json(_ref("Token"))}},
                {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": _text(200), "password": _text(200)},
                },
                auth=False,
            )
        },
        "/api/v1/persons/check-in": {
            "post": _op(
                "Check a person in (CCCD QR line, or typed identity); never duplicates a person",
                {
                    "200": {"description": "known person", **_json(_ref("Person"))},
                    "201": {"description": "registered", **_json(_ref("Person"))},
                },
                {
                    "oneOf": [
                        {"type": "object", "required": ["qr"], "properties": {"qr": _text(1000)}},
                        {
                            "type": "object",
                            "required": [
                                "document_kind",
                                "document_number",
                                "full_name",
                                "date_of_birth",
                                "sex",
                            ],
                            "properties": {
                                "document_kind": {"enum": ["cccd", "cmnd", "passport"]},
                                "document_number": _text(20),
                                "full_name": _NAME,
                                "date_of_birth": _DATE,
                                "sex": {"enum": ["male", "female"]},
                                "nationality": _text(2),
                                "commune_code": {"type": "string", "pattern": "^[0-9]{5}$"},
                                "phone": _text(20),
                            },
                        },
                    ]
                },
            )
        },
        "/api/v1/persons/{person_id}": {
            "get": _op(
                "A person with their doses",
                {"200": {"description": "person", **_json(_ref("Person"))}},
                params=[_id_param("person_id")],
            ),
            "patch": _op(
                "Correct a person's data; their certificates are re-issued, the old ones revoked",
                {
                    "200": {
                        "description": "revoked and re-issued UVCIs",
                        **_json(_ref("Correction")),
                    }
                },
                {
                    "type": "object",
                    "properties": {
                        "full_name": _NAME,
                        "date_of_birth": _DATE,
                        "sex": {"enum": ["male", "female"]},
                        "family_name_t": _MRZ_NAME,
                        "given_name_t": _MRZ_NAME,
                    },
                },
                params=[_id_param("person_id")],
            ),
        },
        "/api/v1/doses/{dose_id}": {
            "patch": _op(
                "Correct a dose's lot or date; its certificate is re-issued, the old one revoked",
                {
                    "200": {
                        "description": "revoked and re-issued UVCIs",
                        **_json(_ref("Correction")),
                    }
                },
                {"type": "object", "properties": {"lot_number": _text(40), "given_on": _DATE}},
                params=[_id_param("dose_id")],
            )
        },
        "/api/v1/persons/{person_id}/verification": {
            "post": _op(
                "Record identity verification against the resident registry",
                {"200": {"description": "person", **_json(_ref("Person"))}},
                {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": {"enum": ["unverified", "verified", "mismatch", "not_found"]},
                        "mismatched_fields": {"type": "array", "maxItems": 50, "items": _text(40)},
                    },
                },
                params=[_id_param("person_id")],
            )
        },
        "/api/v1/screenings": {
            "post": _op(
                "Record a screening",
                {"201": {"description": "screening", **_json({"type": "object"})}},
                {
                    "type": "object",
                    "required": ["person_id", "facility_id", "outcome"],
                    "properties": {
                        "person_id": _INT,
                        "facility_id": _INT,
                        "outcome": {
                            "enum": [
                                "eligible",
                                "precaution",
                                "postpone",
                                "contraindicated",
                                "refer",
                            ]
                        },
                        "reasons": {"type": "array", "maxItems": 50, "items": _text(200)},
                    },
                },
            )
        },
        "/api/v1/doses": {
            "post": _op(
                "Record a dose (idempotent on its Idempotency-Key); signed at once when possible",
                {
                    "200": {"description": "replayed", **_json(_ref("Dose"))},
                    "201": {"description": "recorded", **_json(_ref("Dose"))},
                },
                {
                    "type": "object",
                    "required": [
                        "person_id",
                        "facility_id",
                        "lot_number",
                        "product_code",
                        "dose_number",
                        "given_on",
                    ],
                    "properties": {
                        "person_id": _INT,
                        "facility_id": _INT,
                        "lot_number": _text(40),
                        "product_code": _text(40),
                        "dose_number": _INT,
                        "given_on": _DATE,
                        "team_id": _INT,
                    },
                },
                params=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "schema": _text(80),
                    }
                ],
            )
        },
        "/api/v1/doses/{dose_id}/adverse-events": {
            "post": _op(
                "Report a reaction after a dose (phản ứng sau tiêm)",
                {"201": {"description": "recorded", **_json({"type": "object"})}},
                {
                    "type": "object",
                    "required": ["severity"],
                    "properties": {
                        "severity": {"enum": ["common", "serious"]},
                        "anaphylaxis_grade": {"type": "integer", "minimum": 1, "maximum": 4},
                        "outcome": _text(40),
                        "description": _text(2000),
                    },
                },
                params=[_id_param("dose_id")],
            )
        },
        "/api/v1/doses/{dose_id}/certificate": {
            "get": _op(
                "The dose's signed certificate",
                {"200": {"description": "certificate", **_json(_ref("Certificate"))}},
                params=[_id_param("dose_id")],
            )
        },
        "/api/v1/doses/{dose_id}/certificate.png": {
            "get": _op(
                "The certificate's QR code",
                {
                    "200": {
                        "description": "PNG",
                        "content": {
                            "image/png": {"schema": {"type": "string", "format": "binary"}}
                        },
                    }
                },
                params=[_id_param("dose_id")],
            )
        },
        "/api/v1/facilities/{facility_id}/backlog": {
            "get": _op(
                "Unsigned doses of a facility, by why they wait, with the age of the oldest",
                {"200": {"description": "the backlog", **_json(_ref("Backlog"))}},
                params=[_id_param("facility_id")],
            )
        },
        "/api/v1/provinces/{code}/backlog": {
            "get": _op(
                "Unsigned doses of a province's facilities (its admins, national, auditors)",
                {"200": {"description": "the backlog", **_json(_ref("Backlog"))}},
                params=[_code_param("code", 2)],
            )
        },
        "/api/v1/certificate-revocations": {
            "post": _op(
                "Revoke a certificate by UVCI (national admins): the registry and the next "
                "trust list agree",
                {"201": {"description": "the revoked certificate", **_json(_ref("Certificate"))}},
                {
                    "type": "object",
                    "required": ["uvci", "reason"],
                    "properties": {"uvci": _UVCI, "reason": _text(200)},
                },
            )
        },
        "/api/v1/auth/logout": {
            "post": _op(
                "End this bearer token's life at once",
                {"200": {"description": "logged out", **_json({"type": "object"})}},
            )
        },
        "/api/v1/persons": {
            "get": _op(
                "Persons by document_number, or by name and date_of_birth, within scope "
                "(every one returned is an audited read)",
                {
                    "200": {
                        "description": "at most 50 persons",
                        **_json({"type": "array", "items": _ref("Person")}),
                    }
                },
                params=[
                    {"name": "document_number", "in": "query", "schema": _text(20)},
                    {"name": "name", "in": "query", "schema": _NAME},
                    {"name": "date_of_birth", "in": "query", "schema": _DATE},
                ],
            )
        },
        "/api/v1/facilities/{facility_id}/lots": {
            "get": _op(
                "The facility's lots and their stock: received, transferred in, administered, "
                "transferred out, remaining",
                {
                    "200": {
                        "description": "lots",
                        **_json({"type": "array", "items": _ref("LotStock")}),
                    }
                },
                params=[_id_param("facility_id")],
            ),
            "post": _op(
                "Receive doses of a lot into the facility (its admins, provincial and national "
                "admins); a lot the facility holds is topped up",
                {
                    "200": {"description": "topped up", **_json(_ref("LotStock"))},
                    "201": {"description": "a new lot", **_json(_ref("LotStock"))},
                },
                {
                    "type": "object",
                    "required": ["number", "product_code", "expires_on", "quantity"],
                    "properties": {
                        "number": _text(40),
                        "product_code": _text(40),
                        "expires_on": _DATE,
                        "quantity": _INT,
                    },
                },
                params=[_id_param("facility_id")],
            ),
        },
        "/api/v1/facilities/{facility_id}/teams": {
            "get": _op(
                "The facility's injection teams (ê kíp) and their members",
                {
                    "200": {
                        "description": "teams",
                        **_json({"type": "array", "items": _ref("Team")}),
                    }
                },
                params=[_id_param("facility_id")],
            ),
            "post": _op(
                "Form a team of the facility's staff (facility, provincial and national admins)",
                {"201": {"description": "the team", **_json(_ref("Team"))}},
                {
                    "type": "object",
                    "required": ["name", "members"],
                    "properties": {
                        "name": _text(80),
                        "members": {
                            "type": "object",
                            "minProperties": 1,
                            "maxProperties": 50,
                            "additionalProperties": {"enum": [r.value for r in TeamRole]},
                        },
                    },
                },
                params=[_id_param("facility_id")],
            ),
        },
        **_ADMIN_PATHS,
        "/api/v1/admin-units/provinces": {"get": _units("The 63 provinces (GSO codes)")},
        "/api/v1/admin-units/provinces/{code}/districts": {
            "get": _units("The districts of a province", [_code_param("code", 2)])
        },
        "/api/v1/admin-units/districts/{code}/communes": {
            "get": _units("The communes of a district", [_code_param("code", 3)])
        },
        "/api/v1/openapi.json": {
            "get": _op(
                "This document",
                {"200": {"description": "OpenAPI", **_json({"type": "object"})}},
                auth=False,
            )
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Problem": {
                "description": "an error with a stable code (RFC 9457)",
                "content": {"application/problem+json": {"schema": _ref("Problem")}},
            }
        },
        "schemas": {
            "Problem": {
                "type": "object",
                "required": ["status", "code", "detail"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
            "Token": {
                "type": "object",
                "required": ["token", "expires_at", "role"],
                "properties": {
                    "token": {"type": "string"},
                    "expires_at": {"type": "string"},
                    "role": {"type": "string"},
                },
            },
            "Backlog": {
                "type": "object",
                "required": ["waiting", "pending", "reasons", "oldest_age_seconds"],
                "properties": {
                    "facility_id": {"type": "integer"},
                    "province_code": {"type": "string"},
                    "waiting": {"type": "integer"},
                    "pending": {"type": "integer"},
                    "reasons": {
                        "type": "object",
                        "description": "identity_unverified, probable_duplicate, refused, "
                        "no_active_dsc, queued",
                        "additionalProperties": {"type": "integer"},
                    },
                    "refusals": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "oldest_unsigned_at": {"type": ["string", "null"]},
                    "oldest_age_seconds": {"type": ["integer", "null"]},
                },
            },
            "Person": {
                "type": "object",
                "description": "summary true: a site that typed an ID number whose identity did "
                "not match sees only the document, the state and the doses in summary",
                "required": ["id", "document_kind", "verification", "summary"],
                "properties": {
                    "id": {"type": "integer"},
                    "summary": {"type": "boolean"},
                    "document_kind": {"type": "string"},
                    "document_number": {"type": "string"},
                    "commune_code": {"type": ["string", "null"]},
                    "province_code": {"type": ["string", "null"]},
                    "full_name": {"type": "string"},
                    "family_name_t": {"type": "string"},
                    "given_name_t": {"type": "string"},
                    "date_of_birth": {"type": "string"},
                    "sex": {"type": "string"},
                    "nationality": {"type": "string"},
                    "verification": {"type": "string"},
                    "mismatched_fields": {"type": "array", "items": {"type": "string"}},
                    "doses": {
                        "type": "array",
                        "items": {"oneOf": [_ref("Dose"), _ref("DoseSummary")]},
                    },
                },
            },
            "DoseSummary": {
                "type": "object",
                "required": ["dose_number", "given_on", "product_code"],
                "additionalProperties": False,
                "properties": {
                    "dose_number": {"type": "integer"},
                    "given_on": {"type": "string"},
                    "product_code": {"type": "string"},
                },
            },
            "Dose": {
                "type": "object",
                "required": ["id", "person_id", "dose_number", "sign_state"],
                "properties": {
                    "id": {"type": "integer"},
                    "person_id": {"type": "integer"},
                    "facility_id": {"type": "integer"},
                    "product_code": {"type": "string"},
                    "lot_number": {"type": "string"},
                    "dose_number": {"type": "integer"},
                    "given_on": {"type": "string"},
                    "sign_state": {"enum": ["waiting", "pending", "signed"]},
                    "sign_refusal": {"type": ["string", "null"]},
                    "probable_duplicate_of": {"type": ["integer", "null"]},
                    "team_id": {"type": ["integer", "null"]},
                    "certificate": {"oneOf": [_ref("Certificate"), {"type": "null"}]},
                },
            },
            "Team": {
                "type": "object",
                "required": ["id", "facility_id", "name", "members"],
                "properties": {
                    "id": {"type": "integer"},
                    "facility_id": {"type": "integer"},
                    "name": {"type": "string"},
                    "members": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "username": {"type": "string"},
                                "role": {"type": "string"},
                            },
                        },
                    },
                },
            },
            "LotStock": {
                "type": "object",
                "required": ["id", "number", "product_code", "expires_on", "received"],
                "properties": {
                    "id": {"type": "integer"},
                    "number": {"type": "string"},
                    "product_code": {"type": "string"},
                    "expires_on": {"type": "string"},
                    "received": {"type": "integer"},
                    "transferred_in": {"type": "integer"},
                    "administered": {"type": "integer"},
                    "transferred_out": {"type": "integer"},
                    "remaining": {"type": "integer"},
                    "expired": {"type": "boolean"},
                },
            },
            **_ADMIN_SCHEMAS,
            "Correction": {
                "type": "object",
                "required": ["revoked", "reissued"],
                "properties": {
                    "revoked": {"type": "array", "items": {"type": "string"}},
                    "reissued": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Certificate": {
                "type": "object",
                "required": ["uvci", "hc1", "status"],
                "properties": {
                    "uvci": {"type": "string"},
                    "kid": {"type": "string"},
                    "issued_at": {"type": "string"},
                    "expires_at": {"type": "string"},
                    "status": {"enum": ["valid", "superseded", "revoked"]},
                    "hc1": {"type": "string"},
                    "revoked_at": {"type": "string"},
                    "revocation_reason": {"type": ["string", "null"]},
                },
            },
        },
    },
}
