"""The JSON shapes of the API's answers, from the services' plain values."""

from __future__ import annotations

from typing import Any

from issuer.services.adverse_events import AdverseEventItem
from issuer.services.doses import DoseRecord
from issuer.services.facilities import FacilityView
from issuer.services.lots import LotStock, Transfer
from issuer.services.signing import SignedCertificate
from issuer.services.staff import StaffView
from issuer.services.views import CertificateView, DoseView, PersonView
from issuer.web.api._http import iso, now


def certificate_json(c: CertificateView) -> dict[str, Any]:
    """A certificate; a revoked one says when and why."""
    out: dict[str, Any] = {
        "uvci": c.uvci,
        "kid": c.dsc_kid,
        "issued_at": iso(c.issued_at),
        "expires_at": iso(c.expires_at),
        "status": c.status,
        "hc1": c.hc1,
    }
    if c.revoked_at is not None:
        out |= {"revoked_at": iso(c.revoked_at), "revocation_reason": c.revocation_reason}
    return out


def dose_json(
    d: DoseRecord, certificate: CertificateView | SignedCertificate | None
) -> dict[str, Any]:
    """A dose with its valid certificate, if signed."""
    if isinstance(certificate, SignedCertificate):
        certificate = CertificateView.of(certificate)
    return {
        "id": d.id,
        "person_id": d.person_id,
        "facility_id": d.facility_id,
        "product_code": d.product_code,
        "lot_number": d.lot_number,
        "dose_number": d.dose_number,
        "given_on": d.given_on.isoformat(),
        "sign_state": d.sign_state,
        "sign_refusal": d.sign_refusal,
        "probable_duplicate_of": d.probable_duplicate_of,
        "team_id": d.team_id,
        "certificate": certificate_json(certificate) if certificate else None,
    }


def person_json(p: PersonView) -> dict[str, Any]:
    """A person as the scope lets the caller see them (`summary` true: no identity data)."""
    out: dict[str, Any] = {
        "id": p.id,
        "document_kind": p.document_kind,
        "document_number": p.document_number,
        "verification": p.verification,
        "mismatched_fields": list(p.mismatched_fields),
        "summary": not p.full,
    }
    if not p.full:
        return out | {
            "doses": [
                {
                    "dose_number": d.dose_number,
                    "given_on": d.given_on.isoformat(),
                    "product_code": d.product_code,
                }
                for d in p.dose_summary
            ]
        }
    return out | {
        "full_name": p.full_name,
        "family_name_t": p.family_name_t,
        "given_name_t": p.given_name_t,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "nationality": p.nationality,
        "commune_code": p.commune_code,
        "province_code": p.province_code,
        "doses": [_stored_dose(d) for d in p.doses],
    }


def _stored_dose(d: DoseView) -> dict[str, Any]:
    return dose_json(d.dose, d.certificate)


def facility_json(f: FacilityView) -> dict[str, Any]:
    """A facility with its commune and industrial zone (a name, or null)."""
    return {
        "id": f.id,
        "code": f.code,
        "name": f.name,
        "province_code": f.province_code,
        "commune_code": f.commune_code,
        "industrial_zone": f.industrial_zone,
        "mobile": f.mobile,
    }


def staff_json(s: StaffView) -> dict[str, Any]:
    """A staff account: never its password or hash."""
    return {
        "id": s.id,
        "username": s.username,
        "full_name": s.full_name,
        "role": s.role,
        "facility_id": s.facility_id,
        "province_code": s.province_code,
        "active": s.active,
    }


def lot_json(lot: LotStock) -> dict[str, Any]:
    """A lot's stock at one facility; `expired` as of today (UTC)."""
    return {
        "id": lot.id,
        "number": lot.number,
        "product_code": lot.product_code,
        "expires_on": lot.expires_on.isoformat(),
        "received": lot.received,
        "transferred_in": lot.transferred_in,
        "administered": lot.administered,
        "transferred_out": lot.transferred_out,
        "remaining": lot.remaining,
        "expired": lot.expires_on < now().date(),
    }


def transfer_json(t: Transfer) -> dict[str, Any]:
    """A transfer with both lots' stock after it."""
    return {
        "id": t.id,
        "lot_number": t.number,
        "product_code": t.product_code,
        "quantity": t.quantity,
        "from_facility_id": t.from_facility_id,
        "to_facility_id": t.to_facility_id,
        "by": t.by,
        "at": iso(t.at),
        "source": lot_json(t.source),
        "destination": lot_json(t.destination),
    }


def adverse_event_json(e: AdverseEventItem) -> dict[str, Any]:
    """A reaction after a dose: the dose, not the person."""
    return {
        "id": e.id,
        "dose_id": e.dose_id,
        "severity": e.severity,
        "anaphylaxis_grade": e.anaphylaxis_grade,
        "outcome": e.outcome,
        "reported_at": iso(e.reported_at),
    }
