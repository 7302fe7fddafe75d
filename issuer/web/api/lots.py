"""``/facilities/{id}/lots`` and ``/facilities/{id}/lot-transfers``: a site's vaccine stock."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from issuer.services import lots
from issuer.web.api._http import actor, body, date_field, field, now
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import lot_json, transfer_json
from issuer.web.context import services

blueprint = Blueprint("lots", __name__, url_prefix="/facilities/<int:facility_id>")


@blueprint.get("/lots")
@authenticated
def stock(facility_id: int) -> Response:
    """The lots a facility holds: received, transferred in, administered, transferred out,
    remaining.
    """  # noqa: D205
    with services().transaction() as session:
        found = lots.lot_stock(session, actor(), facility_id)
    return jsonify([lot_json(lot) for lot in found])


@blueprint.post("/lots")
@authenticated
def receive(facility_id: int) -> tuple[Response, int]:
    """Receive doses of a lot: ``{"number", "product_code", "expires_on", "quantity"}``."""
    data = body()
    number = field(data, "number", str, max_len=40)
    product = field(data, "product_code", str, max_len=40)
    expires_on = date_field(data, "expires_on")
    quantity = field(data, "quantity", int)
    with services().transaction() as session:
        receipt = lots.receive_lot(
            session,
            actor(),
            facility_id,
            number=number.strip(),
            product_code=product,
            expires_on=expires_on,
            quantity=quantity,
            now=now(),
        )
    return jsonify(lot_json(receipt.lot)), 201 if receipt.created else 200


@blueprint.post("/lot-transfers")
@authenticated
def transfer(facility_id: int) -> tuple[Response, int]:
    """Move doses of a lot to another facility: ``{"lot_number", "to_facility_id", "quantity"}``."""
    data = body()
    number = field(data, "lot_number", str, max_len=40)
    to_facility = field(data, "to_facility_id", int)
    quantity = field(data, "quantity", int)
    with services().transaction() as session:
        done = lots.transfer(
            session,
            actor(),
            facility_id,
            number=number.strip(),
            to_facility_id=to_facility,
            quantity=quantity,
            now=now(),
        )
    return jsonify(transfer_json(done)), 201
