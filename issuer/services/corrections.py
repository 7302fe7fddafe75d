"""Corrections: fixing signed data re-issues the certificate under a new UVCI and revokes the old.

A citizen reports wrong data, staff review it, an admin applies the fix here. Every valid
certificate the fix touches is marked SUPERSEDED, its UVCI goes onto the revocation list (out
with the next published trust list), and the dose returns to the signing backlog, so the
corrected certificate is signed like any other (at once when a DSC is active).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcert.icao import transliterate
from issuer.domain import CertificateStatus, Role, SignState, VerificationStatus
from issuer.models import Certificate, Dose, Lot, Person
from issuer.services import audit, scope
from issuer.services.errors import Invalid, IssuerCode, not_found
from issuer.services.persons import split_name
from issuer.services.registry import facility_ref
from issuer.services.revocation import Revocations, end_validity
from issuer.services.scope import Actor
from issuer.services.signing import SignerSource, sign_now


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction did: the UVCIs it revoked and those signed anew at once."""

    revoked: list[str]
    reissued: list[str]


def _reissue(
    session: Session, actor: Actor, doses: list[Dose], source: SignerSource | None, now: datetime
) -> list[str]:
    if source is None:
        return []
    session.flush()
    return [c.uvci for c in sign_now(session, doses, source, now, actor.username)]


MRZ_NAME = re.compile(r"[A-Z<]{1,80}")  # DCC schema: fnt/gnt, ^[A-Z<]*$, at most 80


def correct_person(
    session: Session,
    actor: Actor,
    person_id: int,
    *,
    now: datetime,
    revocations: Revocations,
    full_name: str | None = None,
    date_of_birth: str | None = None,
    sex: str | None = None,
    family_name_t: str | None = None,
    given_name_t: str | None = None,
    source: SignerSource | None = None,
) -> Correction:
    """Fix a person's identity data; their certificates are revoked, and signed anew at once
    with a `source` whose DSC may sign.

    `family_name_t` and `given_name_t` are the name as printed in the machine-readable zone of
    the person's passport (ICAO 9303: A-Z and ``<``), entered by hand for a name that our
    transliteration cannot cover (a foreigner's name in another script) or renders otherwise
    than the passport. They take precedence over the transliteration of `full_name`.
    """  # noqa: D205
    person = session.get(Person, person_id)
    if person is None:
        raise not_found("person", person_id)
    scope.require_change_identity(session, actor, person)
    for name, value in (("family_name_t", family_name_t), ("given_name_t", given_name_t)):
        if value is not None and not MRZ_NAME.fullmatch(value):
            raise Invalid(
                IssuerCode.FIELD_INVALID,
                f"{name}: expected 1-80 characters A-Z or <, as in the MRZ",
            )
    changes = {
        k: v
        for k, v in (
            ("full_name", full_name),
            ("date_of_birth", date_of_birth),
            ("sex", sex),
            ("family_name_t", family_name_t),
            ("given_name_t", given_name_t),
        )
        if v is not None and getattr(person, k) != v
    }
    if not changes:
        return Correction([], [])
    if date_of_birth is not None and date_of_birth > now.date().isoformat():
        raise Invalid(IssuerCode.DATE_INVALID, f"got {date_of_birth}, expected a past date")
    family_t, given_t = person.family_name_t, person.given_name_t
    if "full_name" in changes:
        family, given = split_name(full_name or "")
        family_t, given_t = transliterate(family), transliterate(given)
    family_t, given_t = family_name_t or family_t, given_name_t or given_t
    if not (family_t or given_t):
        # refuse before revoking anything: a certificate could not be re-issued for it
        raise Invalid(
            IssuerCode.NAME_NOT_TRANSLITERABLE,
            "the name has no ICAO 9303 transliteration: send family_name_t/given_name_t "
            "as in the passport's MRZ",
        )
    for field, value in changes.items():
        setattr(person, field, value)
    if "full_name" in changes:
        person.family_name, person.given_name = split_name(person.full_name)
    person.family_name_t, person.given_name_t = family_t, given_t
    person.mismatched_fields = None
    person.updated_at = now
    doses = list(session.scalars(select(Dose).where(Dose.person_id == person.id)))
    revoked = _supersede(session, doses, person, revocations, actor, now, "correct-person")
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="correct-person",
        entity="person",
        entity_id=person.id,
        details={"fields": sorted(changes), "revoked": revoked},
    )
    return Correction(revoked, _reissue(session, actor, doses, source, now))


def correct_dose(
    session: Session,
    actor: Actor,
    dose_id: int,
    *,
    now: datetime,
    revocations: Revocations,
    lot_number: str | None = None,
    given_on: date | None = None,
    source: SignerSource | None = None,
) -> Correction:
    """Fix a dose's lot (and so its product) or date; its certificate is revoked and, with a
    `source` whose DSC may sign, signed anew at once.
    """  # noqa: D205
    scope.require_role(actor, scope.ADMIN_ROLES, "correcting a dose")
    dose = session.get(Dose, dose_id)
    if dose is None:
        raise not_found("dose", dose_id)
    scope.require_facility(actor, facility_ref(session, dose.facility_id), write=True)
    fields = []
    if lot_number is not None and lot_number != dose.lot.number:
        lot = session.scalar(
            select(Lot).where(Lot.facility_id == dose.facility_id, Lot.number == lot_number)
        )
        if lot is None:
            raise Invalid(
                IssuerCode.LOT_NOT_FOUND, f"lot {lot_number!r} was not received by this facility"
            )
        dose.lot_id, dose.product_code = lot.id, lot.product_code
        fields.append("lot")
    if given_on is not None and given_on != dose.given_on:
        if given_on > now.date():
            raise Invalid(IssuerCode.DATE_INVALID, f"got {given_on}, expected a past date")
        dose.given_on = given_on
        fields.append("given_on")
    if not fields:
        return Correction([], [])
    revoked = _supersede(session, [dose], dose.person, revocations, actor, now, "correct-dose")
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="correct-dose",
        entity="dose",
        entity_id=dose.id,
        details={"fields": fields, "revoked": revoked},
    )
    return Correction(revoked, _reissue(session, actor, [dose], source, now))


def _supersede(
    session: Session,
    doses: list[Dose],
    person: Person,
    revocations: Revocations,
    actor: Actor,
    now: datetime,
    reason: str,
) -> list[str]:
    revoked = []
    for dose in doses:
        if dose.probable_duplicate_of is not None:
            continue
        for certificate in session.scalars(
            select(Certificate).where(
                Certificate.dose_id == dose.id, Certificate.status == CertificateStatus.VALID
            )
        ):
            end_validity(
                certificate,
                CertificateStatus.SUPERSEDED,
                actor=actor.username,
                reason=reason,
                now=now,
                revocations=revocations,
            )
            revoked.append(certificate.uvci)
        dose.sign_refusal = None
        dose.sign_state = (
            SignState.PENDING
            if person.verification == VerificationStatus.VERIFIED
            else SignState.WAITING
        )
    session.flush()
    return revoked


def reissue_signed_by(session: Session, actor: Actor, kid_hex: str, now: datetime) -> int:
    """After a DSC's compromise: every valid certificate it signed goes back to the backlog.

    The certificates are marked SUPERSEDED (the revoked DSC already makes them read KEY_REVOKED
    everywhere, so their UVCIs need no place on the revocation list) and their doses return to
    PENDING, to be signed again by the active DSC. Returns how many were queued.
    """
    scope.require_role(actor, frozenset({Role.NATIONAL_ADMIN}), "re-issuing after a compromise")
    certificates = list(
        session.scalars(
            select(Certificate).where(
                Certificate.dsc_kid == kid_hex, Certificate.status == CertificateStatus.VALID
            )
        )
    )
    for certificate in certificates:
        end_validity(
            certificate,
            CertificateStatus.SUPERSEDED,
            actor=actor.username,
            reason=f"DSC {kid_hex} revoked",
            now=now,
            revocations=None,
        )
    dose_ids = [c.dose_id for c in certificates]
    for dose in session.scalars(select(Dose).where(Dose.id.in_(dose_ids))):
        dose.sign_state = SignState.PENDING
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="reissue-after-compromise",
        entity="dsc",
        entity_id=kid_hex,
        details={"certificates": len(certificates)},
    )
    return len(certificates)
