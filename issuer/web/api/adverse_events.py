"""``/facilities/{id}/adverse-events``: the reactions after a site's doses, with no identity."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from issuer.services import adverse_events
from issuer.services.adverse_events import LIST_LIMIT
from issuer.web.api._http import actor, check_text, date_arg, int_arg
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import adverse_event_json
from issuer.web.context import services

blueprint = Blueprint("adverse_events", __name__)


@blueprint.get("/facilities/<int:facility_id>/adverse-events")
@authenticated
def of_facility(facility_id: int) -> Response:
    """Reactions reported ``from`` … ``to`` (days in Viet Nam, both included), of one
    ``severity`` if given; by id, ``after`` and ``limit`` to page.
    """  # noqa: D205
    severity = request.args.get("severity")
    if severity is not None:
        check_text("severity", severity, 12)
    with services().transaction() as session:
        found = adverse_events.facility_adverse_events(
            session,
            actor(),
            facility_id,
            since=date_arg("from"),
            until=date_arg("to"),
            severity=severity,
            after=int_arg("after"),
            limit=int_arg("limit", maximum=LIST_LIMIT) or LIST_LIMIT,
        )
    return jsonify([adverse_event_json(e) for e in found])
