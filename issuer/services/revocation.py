"""One revocation truth: every way a certificate stops being valid goes through here.

A national admin revoking a certificate (the API, or `vaxpass trust-list revoke-certificate`),
a correction superseding it, the re-issue after a DSC's compromise: the registry row leaves
VALID with who did it, when and why, and its UVCI goes onto the revocation list that the next
published trust list carries (`trust_list.service`). The API then reads what checkpoints will.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.domain import CertificateStatus, Role
from issuer.models import Certificate
from issuer.services import audit, scope
from issuer.services.errors import Conflict, IssuerCode, NotFound
from issuer.services.scope import Actor
from issuer.services.views import CertificateView

REASON_MAX = 200


class Revocations(Protocol):
    """Where revoked UVCIs go (the trust list's revocation list)."""

    def add(self, uvci: str) -> bool:
        """Add one; False when it was already there."""
        ...


def end_validity(
    certificate: Certificate,
    status: CertificateStatus,
    *,
    actor: str,
    reason: str,
    now: datetime,
    revocations: Revocations | None,
) -> None:
    """Take one valid certificate out of validity, recording who, when and why.

    With `revocations`, its UVCI goes onto the revocation list; without, it is left off (after a
    DSC's compromise the revoked key already makes every certificate it signed fail).
    """
    certificate.status = status
    certificate.revoked_at = now
    certificate.revoked_by = actor[:60]
    certificate.revocation_reason = reason[:REASON_MAX]
    if revocations is not None:
        revocations.add(certificate.uvci)


def revoke_certificate(
    session: Session,
    actor: Actor,
    uvci: str,
    *,
    reason: str,
    now: datetime,
    revocations: Revocations,
) -> CertificateView:
    """Revoke one certificate by UVCI (issued in error, obtained by fraud …).

    Raises:
        Forbidden: FORBIDDEN unless a national admin.
        NotFound: CERTIFICATE_NOT_FOUND.
        Conflict: CERTIFICATE_NOT_VALID, it was revoked or superseded already.
    """
    scope.require_role(actor, frozenset({Role.NATIONAL_ADMIN}), "revoking a certificate")
    certificate = session.scalar(select(Certificate).where(Certificate.uvci == uvci))
    if certificate is None:
        raise NotFound(IssuerCode.CERTIFICATE_NOT_FOUND, f"no certificate {uvci!r} in the registry")
    if certificate.status != CertificateStatus.VALID:
        raise Conflict(
            IssuerCode.CERTIFICATE_NOT_VALID,
            f"{uvci} is {certificate.status} already ({certificate.revocation_reason})",
        )
    end_validity(
        certificate,
        CertificateStatus.REVOKED,
        actor=actor.username,
        reason=reason,
        now=now,
        revocations=revocations,
    )
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="revoke-certificate",
        entity="certificate",
        entity_id=certificate.id,
        details={"uvci": uvci, "reason": reason[:REASON_MAX]},
    )
    return CertificateView.of(certificate)


def certificate_status(session: Session, uvci: str) -> CertificateView | None:
    """A certificate by UVCI as the registry holds it, or None."""
    found = session.scalar(select(Certificate).where(Certificate.uvci == uvci))
    return CertificateView.of(found) if found else None
