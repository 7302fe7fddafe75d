"""The rules of a dose, decided over plain values: no database, no clock, no signer.

`decide_dose` takes what the registry knows (the dose as requested, the person with their
latest screening at the site, the lot, the facility and its team, the person's doses) and one
reference time, and answers with the dose to store (`DoseDecision`), the dose already stored
under the same idempotency key (a retry), or a refusal from `issuer.services.errors`. The
storage module (`issuer.services.doses`) reads the facts, signs what the decision lets it sign
and writes the outcome; this module imports nothing of SQLAlchemy (an import-linter contract
says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from issuer.domain import ScreeningOutcome, SignState, VerificationStatus
from issuer.services.errors import Conflict, Invalid, IssuerCode, not_found

SCREENING_CLEARS = frozenset({ScreeningOutcome.ELIGIBLE, ScreeningOutcome.PRECAUTION})
"""The screening outcomes after which a dose may be given (the others postpone or refer)."""


@dataclass(frozen=True, slots=True)
class DoseData:
    """A dose as a site asks to record it."""

    idempotency_key: str
    person_id: int
    facility_id: int
    lot_number: str
    product_code: str
    dose_number: int
    given_on: date
    team_id: int | None = None  # the ê kíp that gave it, one of the facility's


@dataclass(frozen=True, slots=True)
class DoseRecord:
    """A dose as stored (plain data, not an ORM object: the hot path builds one per request)."""

    id: int
    idempotency_key: str
    person_id: int
    product_code: str
    lot_id: int
    lot_number: str
    dose_number: int
    given_on: date
    facility_id: int
    staff_id: int
    screening_id: int | None
    team_id: int | None
    probable_duplicate_of: int | None
    sign_state: str
    sign_refusal: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """A person's latest screening at one facility."""

    id: int
    at: datetime
    outcome: str


@dataclass(frozen=True, slots=True)
class Vaccinee:
    """The person to vaccinate: who a certificate names, and their latest screening here."""

    id: int
    date_of_birth: str  # YYYY, YYYY-MM or YYYY-MM-DD
    verification: str
    family_name: str
    given_name: str
    family_name_t: str  # ICAO 9303 transliteration (MRZ form)
    given_name_t: str
    screening: ScreeningResult | None  # at the facility recording the dose


@dataclass(frozen=True, slots=True)
class FacilityRef:
    """What scope checks and dose rules need of a facility."""

    id: int
    code: str
    province_code: str


@dataclass(frozen=True, slots=True)
class LotRef:
    """What dose rules need of a lot, as one facility received it."""

    id: int
    number: str
    product_code: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class DoseDecision:
    """A new dose the rules accept: what to store, in which state, and what the audit says.

    `sign_state` is PENDING when the dose may be signed now (a verified person, no doubt of a
    duplicate), else WAITING; `signed` and `refused` give the decision after a signing attempt.
    `details` are the audit entry's details (`issuer.services.audit.dose_recorded`).
    """

    request: DoseData
    person: Vaccinee
    lot: LotRef
    screening_id: int
    staff_id: int
    recorded_at: datetime
    probable_duplicate_of: int | None
    sign_state: SignState
    details: Mapping[str, object]
    sign_refusal: str | None = None

    @property
    def may_sign(self) -> bool:
        """Whether the dose may be signed at once (it goes to the backlog otherwise)."""
        return self.sign_state is SignState.PENDING

    def signed(self, uvci: str, kid: str) -> DoseDecision:
        """The decision once signed into the certificate `uvci` by the DSC `kid` (hex).

        Signed in the same write as the dose: one audit entry tells both.
        """
        return replace(
            self, sign_state=SignState.SIGNED, details={**self.details, "signed": uvci, "kid": kid}
        )

    def refused(self, reason: str) -> DoseDecision:
        """The decision once its data could not make a valid certificate (`reason`).

        The dose waits, with its reason, so that one bad record never blocks the backlog.
        """
        return replace(
            self,
            sign_state=SignState.WAITING,
            sign_refusal=reason,
            details={**self.details, "sign_refused": reason},
        )

    def columns(self) -> dict[str, Any]:
        """The stored dose's values, but its id (which the database gives)."""
        return {
            "idempotency_key": self.request.idempotency_key,
            "person_id": self.person.id,
            "product_code": self.lot.product_code,
            "lot_id": self.lot.id,
            "dose_number": self.request.dose_number,
            "given_on": self.request.given_on,
            "facility_id": self.request.facility_id,
            "staff_id": self.staff_id,
            "screening_id": self.screening_id,
            "team_id": self.request.team_id,
            "probable_duplicate_of": self.probable_duplicate_of,
            "sign_state": self.sign_state,
            "sign_refusal": self.sign_refusal,
            "created_at": self.recorded_at,
        }

    def record(self, dose_id: int) -> DoseRecord:
        """The dose as stored under `dose_id`."""
        return DoseRecord(id=dose_id, lot_number=self.lot.number, **self.columns())


def decide_dose(
    request: DoseData,
    *,
    person: Vaccinee | None,
    lot: LotRef | None,
    facility: FacilityRef,
    team_facility_id: int | None,
    history: Sequence[DoseRecord],
    staff_id: int,
    now: datetime,
) -> DoseDecision | DoseRecord:
    """Decide whether a dose may be recorded, and how.

    The checks run in this order, and the first that fails answers: the idempotency key, the
    person, the team, the lot and its product, the date, the lot's expiry, the screening, then
    the person's history (a duplicate, the dose number).

    Args:
        request: the dose as the site asks to record it (at `facility`, which the caller has
            found and the actor may act for).
        person: the person named by the request, with their latest screening at `facility`;
            None when there is no such person.
        lot: the lot of that number as `facility` received it; None when it received none.
        facility: the facility recording the dose.
        team_facility_id: the facility of the request's team; None when it names none, or a
            team that does not exist.
        history: the person's stored doses, and any dose stored under the request's
            idempotency key (whoever it names), in id order.
        staff_id: who records the dose.
        now: the reference time: no dose is given after it, and it is the record's time.

    Returns:
        The dose already stored under the request's idempotency key when the request is a
        retry of that very dose; else the decision for a new dose.

    Raises:
        Conflict: IDEMPOTENCY_KEY_REUSED, the key names another dose (or another site's);
            DOSE_DUPLICATE, the person has a dose that day at this facility already.
        NotFound: PERSON_NOT_FOUND.
        Invalid: TEAM_NOT_FOUND, LOT_NOT_FOUND, LOT_PRODUCT_MISMATCH, DATE_INVALID (after
            `now`, or before birth), LOT_EXPIRED, SCREENING_REQUIRED (none here that day, or
            one that does not clear the person), DOSE_NUMBER_INCONSISTENT.
    """
    earlier = _same_dose_under_the_key(request, history)
    if earlier is not None:
        return earlier
    if person is None:
        raise not_found("person", request.person_id)
    if request.team_id is not None and team_facility_id != facility.id:
        raise Invalid(
            IssuerCode.TEAM_NOT_FOUND, f"team {request.team_id} is not a team of {facility.code}"
        )
    if lot is None:
        raise Invalid(
            IssuerCode.LOT_NOT_FOUND,
            f"lot {request.lot_number!r} was not received by {facility.code}",
        )
    if lot.product_code != request.product_code:
        raise Invalid(
            IssuerCode.LOT_PRODUCT_MISMATCH,
            f"lot {lot.number} is {lot.product_code}, not {request.product_code}",
        )
    given_on = request.given_on
    if given_on > now.date() or given_on.isoformat() < person.date_of_birth[:10]:
        raise Invalid(IssuerCode.DATE_INVALID, f"got {given_on}, expected a past date after birth")
    if lot.expires_on < given_on:
        raise Invalid(IssuerCode.LOT_EXPIRED, f"lot {lot.number} expired on {lot.expires_on}")
    screening = _screening_that_clears(person.screening, given_on)
    duplicate_of = _probable_duplicate_of(request, facility, history)
    signable = person.verification == VerificationStatus.VERIFIED and duplicate_of is None
    return DoseDecision(
        request=request,
        person=person,
        lot=lot,
        screening_id=screening.id,
        staff_id=staff_id,
        recorded_at=now,
        probable_duplicate_of=duplicate_of,
        sign_state=SignState.PENDING if signable else SignState.WAITING,
        details={
            "person": person.id,
            "dose_number": request.dose_number,
            "lot": lot.number,
            "duplicate_of": duplicate_of,
        },
    )


def _same_dose_under_the_key(request: DoseData, history: Sequence[DoseRecord]) -> DoseRecord | None:
    """The dose stored under the request's key, when it is this very dose (a retry).

    Raises:
        Conflict: IDEMPOTENCY_KEY_REUSED, the key names another dose (or another site's).
    """
    for dose in history:
        if dose.idempotency_key == request.idempotency_key:
            if (dose.person_id, dose.dose_number, dose.given_on, dose.facility_id) == (
                request.person_id,
                request.dose_number,
                request.given_on,
                request.facility_id,
            ):
                return dose  # the same site's own retry: another site never sees this dose
            raise Conflict(
                IssuerCode.IDEMPOTENCY_KEY_REUSED, "this idempotency key was used for another dose"
            )
    return None


def _screening_that_clears(screening: ScreeningResult | None, day: date) -> ScreeningResult:
    """The screening that day, when its outcome allows a dose.

    Raises:
        Invalid: SCREENING_REQUIRED.
    """
    if screening is None or screening.at.date() != day:
        raise Invalid(IssuerCode.SCREENING_REQUIRED, "no screening for this person here today")
    if screening.outcome not in SCREENING_CLEARS:
        raise Invalid(IssuerCode.SCREENING_REQUIRED, f"the screening says {screening.outcome}")
    return screening


def _probable_duplicate_of(
    request: DoseData, facility: FacilityRef, history: Sequence[DoseRecord]
) -> int | None:
    """The dose given the same day at another site, which makes this one a probable duplicate.

    Doses flagged as probable duplicates themselves do not count.

    Raises:
        Conflict: DOSE_DUPLICATE, a dose that day at this very facility.
        Invalid: DOSE_NUMBER_INCONSISTENT, not the next dose of the person's series.
    """
    counted = [d for d in history if d.probable_duplicate_of is None]
    same_day = [d for d in counted if d.given_on == request.given_on]
    if same_day:
        if any(d.facility_id == facility.id for d in same_day):
            raise Conflict(
                IssuerCode.DOSE_DUPLICATE, "this person already has a dose today at this site"
            )
        return same_day[0].id  # another site, same day: kept, flagged, not signed
    if request.dose_number != len(counted) + 1:
        raise Invalid(
            IssuerCode.DOSE_NUMBER_INCONSISTENT,
            f"got dose {request.dose_number}, the history has {len(counted)} doses",
        )
    return None
