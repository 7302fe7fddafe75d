"""``/screenings`` and ``/doses``: the screening, the dose, its certificate, reactions, fixes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from hcert.qrcode import render_png
from issuer.domain import ScreeningOutcome
from issuer.services import certificates, corrections, registry
from issuer.services.doses import DoseData, record_and_commit
from issuer.services.errors import BadRequest, Invalid, IssuerCode
from issuer.web.api._http import actor, body, check_text, date_field, field, iso, now
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import certificate_json, dose_json
from issuer.web.context import services

blueprint = Blueprint("doses", __name__)


@blueprint.post("/screenings")
@authenticated
def screen() -> tuple[Response, int]:
    """Record a screening before a dose."""
    data = body()
    try:
        outcome = ScreeningOutcome(field(data, "outcome", str, max_len=20))
    except ValueError as e:
        raise Invalid(
            IssuerCode.FIELD_INVALID, "outcome: " + ", ".join(o.value for o in ScreeningOutcome)
        ) from e
    person_id, facility_id = field(data, "person_id", int), field(data, "facility_id", int)
    reasons = field(data, "reasons", list, required=False, max_len=200) or []
    with services().transaction() as session:
        screening = registry.record_screening(
            session,
            actor(),
            person_id=person_id,
            facility_id=facility_id,
            outcome=outcome,
            reasons=reasons,
            now=now(),
        )
        return jsonify(id=screening.id, outcome=screening.outcome, at=iso(screening.at)), 201


@blueprint.post("/doses")
@authenticated
def record() -> tuple[Response, int]:
    """Record a dose; the Idempotency-Key header makes a retry return the first answer."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 80:
        raise BadRequest(
            IssuerCode.IDEMPOTENCY_KEY_MISSING,
            "send an Idempotency-Key header (at most 80 characters)",
        )
    check_text("Idempotency-Key", key, 80)
    data = body()
    dose = DoseData(
        idempotency_key=key,
        person_id=field(data, "person_id", int),
        facility_id=field(data, "facility_id", int),
        lot_number=field(data, "lot_number", str, max_len=40),
        product_code=field(data, "product_code", str, max_len=40),
        dose_number=field(data, "dose_number", int),
        given_on=date_field(data, "given_on"),
        team_id=field(data, "team_id", int, required=False),
    )
    ctx = services()
    recorded = record_and_commit(ctx.sessions, actor(), dose, now(), ctx.signer_source)
    return jsonify(dose_json(recorded.dose, recorded.certificate)), 201 if recorded.created else 200


@blueprint.post("/doses/<int:dose_id>/adverse-events")
@authenticated
def adverse_event(dose_id: int) -> tuple[Response, int]:
    """Report a reaction after a dose."""
    data = body()
    with services().transaction() as session:
        event = registry.report_adverse_event(
            session,
            actor(),
            dose_id,
            severity=field(data, "severity", str, max_len=12),
            anaphylaxis_grade=field(data, "anaphylaxis_grade", int, required=False),
            outcome=field(data, "outcome", str, required=False, max_len=40),
            description=field(data, "description", str, required=False, max_len=2000),
            now=now(),
        )
        out = {
            "id": event.id,
            "dose_id": dose_id,
            "severity": event.severity,
            "anaphylaxis_grade": event.anaphylaxis_grade,
            "outcome": event.outcome,
            "reported_at": iso(event.reported_at),
        }
    return jsonify(out), 201


@blueprint.get("/doses/<int:dose_id>/certificate")
@authenticated
def certificate(dose_id: int) -> Response:
    """The dose's signed certificate (404 while it is not signed yet)."""
    with services().transaction() as session:
        found = certificates.certificate_of_dose(session, actor(), dose_id, now())
    return jsonify(certificate_json(found))


@blueprint.get("/doses/<int:dose_id>/certificate.png")
@authenticated
def certificate_png(dose_id: int) -> Response:
    """The certificate's QR code as a PNG (alphanumeric mode, error correction Q)."""
    with services().transaction() as session:
        text = certificates.certificate_of_dose(session, actor(), dose_id, now()).hc1
    return Response(render_png(text, scale=6), mimetype="image/png")


@blueprint.patch("/doses/<int:dose_id>")
@authenticated
def correct(dose_id: int) -> Response:
    """Correct a dose's lot or date: its certificate is re-issued under a new UVCI."""
    data = body()
    lot = field(data, "lot_number", str, required=False, max_len=40)
    given_on = date_field(data, "given_on") if data.get("given_on") is not None else None
    ctx = services()
    with ctx.transaction() as session:
        done = corrections.correct_dose(
            session,
            actor(),
            dose_id,
            now=now(),
            revocations=ctx.revocations,
            lot_number=lot,
            given_on=given_on,
            source=ctx.signer_source,
        )
    return jsonify(revoked=done.revoked, reissued=done.reissued)
