"""Reading a dose's certificate: in scope, audited (it names the person and their birth date)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from issuer.models import Dose
from issuer.services import audit, scope
from issuer.services.errors import IssuerCode, NotFound, not_found
from issuer.services.scope import Actor
from issuer.services.signing import current_certificate
from issuer.services.views import CertificateView


def certificate_of_dose(
    session: Session, actor: Actor, dose_id: int, now: datetime
) -> CertificateView:
    """The dose's valid certificate, for an actor who may read its person.

    Raises:
        NotFound: DOSE_NOT_FOUND, CERTIFICATE_NOT_SIGNED.
        Forbidden: FORBIDDEN.
    """
    dose = session.get(Dose, dose_id)
    if dose is None:
        raise not_found("dose", dose_id)
    scope.require_read_person(session, actor, dose.person)
    found = current_certificate(session, dose_id)
    if found is None:
        raise NotFound(
            IssuerCode.CERTIFICATE_NOT_SIGNED, "this dose is not signed yet (see the backlog)"
        )
    audit.record_read(
        session, at=now, actor=actor.username, entity="certificate", entity_id=found.id
    )
    return CertificateView.of(found)
