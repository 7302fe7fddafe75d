"""The JSON REST API under ``/api/v1``: one blueprint per resource, each thin over the services.

Every handler: authenticate (`auth.authenticated`), read and check the request (`_http`), call
the services in one unit of work, answer JSON (`shapes`). Refusals are the services' typed
`Refusal`s, answered as problems in one place (`issuer.web.problems`). Nothing here imports the
models, the database or SQLAlchemy (an import-linter contract says so).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from issuer.services import audit
from issuer.services.errors import IssuerCode, NotFound
from issuer.web.api import (
    adverse_events,
    auth,
    certificates,
    doses,
    facilities,
    lots,
    persons,
    staff,
)
from issuer.web.context import services
from issuer.web.openapi import MAX_INT, OPENAPI

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
for _resource in (auth, persons, doses, facilities, lots, adverse_events, staff, certificates):
    blueprint.register_blueprint(_resource.blueprint)


@blueprint.before_request
def _refuse_ids_beyond_the_database() -> None:
    """A path id above `MAX_INT` names no row (and the drivers refuse to bind it)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and value > MAX_INT:
            raise NotFound(IssuerCode.NOT_FOUND, f"{name}: no row has an id above {MAX_INT}")


@blueprint.after_request
def _seal_the_audit_log(response: Response) -> Response:
    """Chain the audit entries of the last second, once the answer has gone out."""
    sessions = services().sessions
    response.call_on_close(lambda: audit.seal_if_due(sessions))
    return response


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return jsonify(OPENAPI)
