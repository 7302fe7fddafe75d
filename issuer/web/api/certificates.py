"""``/certificate-revocations``: a national admin revokes one certificate by its UVCI."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from hcert.uvci import is_well_formed
from issuer.services import revocation
from issuer.services.errors import Invalid, IssuerCode
from issuer.web.api._http import actor, body, field, now
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import certificate_json
from issuer.web.context import services

blueprint = Blueprint("certificates", __name__)


@blueprint.post("/certificate-revocations")
@authenticated
def revoke() -> tuple[Response, int]:
    """Revoke a certificate: the registry says ``revoked`` and the next trust list carries it."""
    data = body()
    uvci = field(data, "uvci", str, max_len=50)
    if not is_well_formed(uvci):
        raise Invalid(IssuerCode.FIELD_INVALID, f"uvci: {uvci!r} is not a UVCI (URN:UVCI:01:VN:…)")
    reason = field(data, "reason", str, max_len=200)
    ctx = services()
    with ctx.transaction() as session:
        revoked = revocation.revoke_certificate(
            session, actor(), uvci, reason=reason, now=now(), revocations=ctx.revocations
        )
    return jsonify(certificate_json(revoked)), 201
