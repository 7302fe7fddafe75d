"""Same-day signing: a dose becomes a certificate at once when it can, else from the backlog.

The backlog is shared by any number of processes and machines: a worker claims a batch of
PENDING doses with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), signs them, and writes the
certificates and the new state in the same transaction. A worker killed at any moment loses its
uncommitted batch, which the next claim picks up: every dose ends signed exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, Protocol, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from hcert import codec
from hcert.cose import Signer
from hcert.dcc import to_json_obj, vaccination_payload
from hcert.errors import HcertError
from hcert.uvci import new_uvci
from issuer.domain import CertificateStatus, SignState
from issuer.models import Certificate, Dose, Person, VaccineProduct
from issuer.services import audit

DEFAULT_VALIDITY = timedelta(days=365)  # Vietnam: a certificate is valid 12 months
ISSUER_NAME = "Ministry of Health of Viet Nam"


class SignerSource(Protocol):
    """Hands out the signer of the DSC that may sign now (the PKI, in production)."""

    def signer(self, expires_at: datetime) -> Signer | None:
        """The active DSC's signer for certificates expiring at `expires_at`, or None."""
        ...


class Holder(Protocol):
    """Whom a certificate names: a `Person`, or a row with the same columns."""

    @property
    def family_name(self) -> str:
        """As written, NFC."""

    @property
    def given_name(self) -> str:
        """As written, NFC."""

    @property
    def family_name_t(self) -> str:
        """ICAO 9303 transliteration (MRZ form)."""

    @property
    def given_name_t(self) -> str:
        """ICAO 9303 transliteration (MRZ form)."""

    @property
    def date_of_birth(self) -> str:
        """YYYY, YYYY-MM or YYYY-MM-DD."""


@dataclass(frozen=True, slots=True)
class FixedSigner:
    """A `SignerSource` that always answers with one signer (tests, benchmarks)."""

    value: Signer

    def signer(self, expires_at: datetime) -> Signer | None:
        """The one signer."""
        return self.value


class DoseFacts(Protocol):
    """What a certificate says of a dose: a `Dose`, or any row with these fields."""

    @property
    def product_code(self) -> str:
        """EU value set code (mp)."""

    @property
    def dose_number(self) -> int:
        """Its place in the series (dn)."""

    @property
    def given_on(self) -> date:
        """The day it was given (dt)."""


class SignedCertificate(NamedTuple):
    """A certificate just signed, or a stored one: the columns of a `Certificate` but its dose."""

    uvci: str
    dsc_kid: str  # hex
    issued_at: datetime
    expires_at: datetime
    hc1: str
    status: str = CertificateStatus.VALID

    @classmethod
    def of(cls, row: Certificate) -> SignedCertificate:
        """The fields of a stored certificate."""
        return cls(row.uvci, row.dsc_kid, row.issued_at, row.expires_at, row.hc1, row.status)


def build_certificate(
    dose: DoseFacts,
    person: Holder,
    primary_doses: int,
    signer: Signer,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
) -> SignedCertificate:
    """Sign one dose into a certificate (the dose may not be stored yet).

    Raises:
        ValueError: the person has no ICAO transliteration of their name (a name in a script
            ICAO 9303 does not cover: staff must enter it as in the passport's MRZ).
        HcertError: the data cannot make a valid certificate.
    """
    if not (person.family_name_t or person.given_name_t):
        raise ValueError("no transliterated name (fnt/gnt): enter it as in the passport MRZ")
    uvci = new_uvci()
    payload = vaccination_payload(
        family_name=person.family_name,
        given_name=person.given_name or None,
        family_name_t=person.family_name_t,
        given_name_t=person.given_name_t or None,
        dob=person.date_of_birth,
        product=dose.product_code,
        dose_number=dose.dose_number,
        total_doses=max(primary_doses, dose.dose_number),
        date=dose.given_on.isoformat(),
        uvci=uvci,
    )
    expires_at = now + validity
    text = codec.sign(
        to_json_obj(payload), signer, issuer="VN", issued_at=now, expires_at=expires_at
    )
    return SignedCertificate(uvci, signer.kid.hex(), now, expires_at, text)


def try_sign(
    dose: DoseFacts, person: Holder, primary_doses: int, signer: Signer, now: datetime
) -> tuple[SignedCertificate | None, str | None]:
    """Sign one dose, or say why its data cannot make a valid certificate.

    Returns:
        (the certificate, None), or (None, the reason): a name with no transliteration, say.
        The caller sets such a dose back to WAITING, so that one bad record never blocks the
        backlog, and a signed one to SIGNED.
    """
    try:
        return build_certificate(dose, person, primary_doses, signer, now), None
    except HcertError as e:
        return None, f"{e.code}: {e.message}"[:200]
    except ValueError as e:
        return None, f"NAME_NOT_TRANSLITERABLE: {e}"[:200]


def record_signing(
    session: Session,
    now: datetime,
    actor: str,
    signer: Signer,
    signed: Sequence[int],
    refused: dict[int, str],
) -> None:
    """Audit what one signing pass did: the doses signed, and those refused with the reason."""
    if signed:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="sign",
            entity="dose",
            entity_id=f"{signed[0]}..{signed[-1]}",
            details={"count": len(signed), "kid": signer.kid.hex()},
        )
    if refused:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="sign-refused",
            entity="dose",
            entity_id=None,
            details={str(k): v for k, v in refused.items()},
        )


class Claimed(NamedTuple):
    """A dose to sign, with whom it names: what a certificate needs, as a plain row."""

    id: int
    product_code: str
    dose_number: int
    given_on: date
    family_name: str
    given_name: str
    family_name_t: str
    given_name_t: str
    date_of_birth: str

    @classmethod
    def of(cls, dose: Dose) -> Claimed:
        """The fields of a stored dose and its person."""
        p = dose.person
        return cls(
            dose.id,
            dose.product_code,
            dose.dose_number,
            dose.given_on,
            p.family_name,
            p.given_name,
            p.family_name_t,
            p.given_name_t,
            p.date_of_birth,
        )


def sign_batch(
    session: Session, doses: Sequence[Claimed], signer: Signer, now: datetime, actor: str
) -> list[SignedCertificate]:
    """Sign `doses` (already claimed) and mark them signed, in the caller's transaction.

    A dose whose data cannot make a valid certificate is set back to WAITING (`try_sign`).
    Plain rows and Core statements: a batch is a thousand doses, and ORM objects for each
    would cost more than the signing.
    """
    primary = {
        code: session.get_one(VaccineProduct, code).primary_doses
        for code in {d.product_code for d in doses}
    }
    certificates, rows, signed, refused = [], [], [], {}
    for dose in doses:
        certificate, refusal = try_sign(dose, dose, primary[dose.product_code], signer, now)
        if certificate is not None:
            certificates.append(certificate)
            rows.append(certificate._asdict() | {"dose_id": dose.id})
            signed.append(dose.id)
        else:
            refused[dose.id] = refusal or ""
    if rows:
        session.execute(insert(_CERTIFICATES), rows)
    if signed:
        session.execute(
            update(Dose)
            .where(Dose.id.in_(signed))
            .values(sign_state=SignState.SIGNED, sign_refusal=None)
        )
    for dose_id, reason in refused.items():  # rare: one statement each, with its reason
        session.execute(
            update(Dose)
            .where(Dose.id == dose_id)
            .values(sign_state=SignState.WAITING, sign_refusal=reason)
        )
    record_signing(session, now, actor, signer, signed, refused)
    return certificates


_CERTIFICATES, _DOSES = cast(Table, Certificate.__table__), cast(Table, Dose.__table__)
_PERSONS = cast(Table, Person.__table__)


def claim(session: Session, batch_size: int, facility_id: int | None = None) -> list[Claimed]:
    """Lock up to `batch_size` PENDING doses that no other worker holds."""
    query = (
        select(
            *(_DOSES.c[name] for name in Claimed._fields[:4]),
            *(_PERSONS.c[name] for name in Claimed._fields[4:]),
        )
        .join(_PERSONS, _PERSONS.c.id == _DOSES.c.person_id)
        .where(_DOSES.c.sign_state == SignState.PENDING)
        .order_by(_DOSES.c.id)
        .limit(batch_size)
    )
    if facility_id is not None:
        query = query.where(_DOSES.c.facility_id == facility_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=_DOSES)
    return [Claimed._make(row) for row in session.connection().execute(query)]


def sign_pending(
    factory: sessionmaker[Session],
    source: SignerSource,
    *,
    batch_size: int = 500,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    actor: str = "sign-pending",
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    """Sign the backlog until it is empty; return how many certificates were issued.

    Stops early (returning what it did) when no DSC may sign.
    """
    total = 0
    while True:
        now = clock()
        signer = source.signer(now + DEFAULT_VALIDITY)
        if signer is None:
            return total
        with factory() as session, session.begin():
            doses = claim(session, batch_size)
            if not doses:
                return total
            signed = len(sign_batch(session, doses, signer, now, actor))
        total += signed
        progress(len(doses))
        audit.seal_if_due(factory)


def sign_now(
    session: Session, doses: Sequence[Dose], source: SignerSource, now: datetime, actor: str
) -> list[SignedCertificate]:
    """Sign the PENDING ones of `doses` at once, when a DSC is active (a correction's re-issue).

    Returns:
        The new certificates; none when no DSC may sign now (the doses stay in the backlog).
    """
    pending = [Claimed.of(d) for d in doses if d.sign_state == SignState.PENDING]
    signer = source.signer(now + DEFAULT_VALIDITY) if pending else None
    return sign_batch(session, pending, signer, now, actor) if signer else []


def current_certificate(session: Session, dose_id: int) -> Certificate | None:
    """The valid certificate of a dose, if signed."""
    return session.scalar(
        select(Certificate).where(
            Certificate.dose_id == dose_id, Certificate.status == CertificateStatus.VALID
        )
    )
