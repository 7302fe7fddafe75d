"""What the services hand to their callers: plain frozen values, never ORM objects.

The web layer turns these into JSON without knowing the database exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from issuer.models import Certificate, Person
from issuer.services.doses import DoseRecord
from issuer.services.signing import SignedCertificate


@dataclass(frozen=True, slots=True)
class DoseSummary:
    """What a site needs of a dose to vaccinate someone it does not know: no identity."""

    dose_number: int
    given_on: date
    product_code: str


@dataclass(frozen=True, slots=True)
class DoseView:
    """A stored dose with its valid certificate, if signed."""

    dose: DoseRecord
    certificate: CertificateView | None


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person as the policy lets the caller see them.

    With `full` False (a site that typed an ID number whose identity did not match the one
    registered) only `id`, the document, the verification state, the mismatched fields and the
    dose summary are filled; the name, birth date and sex are empty.
    """

    id: int
    document_kind: str
    document_number: str
    verification: str
    mismatched_fields: tuple[str, ...]
    full: bool
    full_name: str = ""
    family_name_t: str = ""
    given_name_t: str = ""
    date_of_birth: str = ""
    sex: str = ""
    nationality: str = ""
    commune_code: str | None = None
    province_code: str | None = None
    doses: tuple[DoseView, ...] = ()
    dose_summary: tuple[DoseSummary, ...] = ()

    @classmethod
    def of(cls, person: Person, doses: tuple[DoseView, ...] = ()) -> PersonView:
        """The full record."""
        return cls(
            id=person.id,
            document_kind=person.document_kind,
            document_number=person.document_number,
            verification=person.verification,
            mismatched_fields=tuple(person.mismatched_fields or ()),
            full=True,
            full_name=person.full_name,
            family_name_t=person.family_name_t,
            given_name_t=person.given_name_t,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            nationality=person.nationality,
            commune_code=person.commune_code,
            province_code=person.province_code,
            doses=doses,
        )

    @classmethod
    def summary(cls, person: Person, doses: tuple[DoseSummary, ...]) -> PersonView:
        """What a site may know of a person it has not seen with a matching identity."""
        return cls(
            id=person.id,
            document_kind=person.document_kind,
            document_number=person.document_number,
            verification=person.verification,
            mismatched_fields=tuple(person.mismatched_fields or ()),
            full=False,
            dose_summary=doses,
        )


@dataclass(frozen=True, slots=True)
class CertificateView:
    """A stored certificate, with its standing and, when revoked, by whom and why."""

    uvci: str
    dsc_kid: str
    issued_at: datetime
    expires_at: datetime
    hc1: str
    status: str
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @classmethod
    def of(cls, c: Certificate | SignedCertificate) -> CertificateView:
        """From a stored row or a certificate just signed."""
        if isinstance(c, SignedCertificate):
            return cls(c.uvci, c.dsc_kid, c.issued_at, c.expires_at, c.hc1, c.status)
        return cls(
            c.uvci,
            c.dsc_kid,
            c.issued_at,
            c.expires_at,
            c.hc1,
            c.status,
            c.revoked_at,
            c.revocation_reason,
        )
