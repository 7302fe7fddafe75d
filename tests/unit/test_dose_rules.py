"""The dose rules as a table of named scenarios, over plain values and no database.

Every scenario starts from one ordinary morning (a verified person, screened eligible here
today, a lot this site received, no dose yet), changes what it names, and says what
`decide_dose` must answer: a decision (its state and the dose it would duplicate), the dose
already stored under the key (a retry), or a refusal with its class and code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from issuer.domain import ScreeningOutcome, SignState, VerificationStatus
from issuer.services.dose_rules import (
    DoseData,
    DoseDecision,
    DoseRecord,
    FacilityRef,
    LotRef,
    ScreeningResult,
    Vaccinee,
    decide_dose,
)
from issuer.services.errors import Conflict, Invalid, IssuerCode, NotFound, Refusal

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
TODAY, DAY = NOW.date(), timedelta(days=1)
COMIRNATY, VAXZEVRIA = "EU/1/20/1528", "EU/1/21/1529"
HERE = FacilityRef(1, "LCU-001", "12")
ELSEWHERE = 2  # another facility's id
NURSE = 7  # the staff id recording

REQUEST = DoseData("k1", 10, HERE.id, "FK1234", COMIRNATY, 1, TODAY)
LOT = LotRef(3, "FK1234", COMIRNATY, TODAY + 90 * DAY)
SCREENED = ScreeningResult(20, NOW - timedelta(minutes=20), ScreeningOutcome.ELIGIBLE)
PERSON = Vaccinee(
    10, "1990-03-09", VerificationStatus.VERIFIED, "Đỗ", "Ngọc Vĩnh", "DO", "NGOC<VINH", SCREENED
)


def past(dose_id: int, **changes: object) -> DoseRecord:
    """A stored dose of the person: by default their first, a month ago, here."""
    values: dict[str, object] = dict(
        id=dose_id, idempotency_key=f"old-{dose_id}", person_id=PERSON.id,
        product_code=COMIRNATY, lot_id=LOT.id, lot_number=LOT.number, dose_number=1,
        given_on=TODAY - 30 * DAY, facility_id=HERE.id, staff_id=NURSE, screening_id=19,
        team_id=None, probable_duplicate_of=None, sign_state=SignState.SIGNED,
        sign_refusal=None, created_at=NOW - 30 * DAY,
    )  # fmt: skip
    return DoseRecord(**(values | changes))  # type: ignore[arg-type]


def retry_of(request: DoseData, dose_id: int, **changes: object) -> DoseRecord:
    """The dose stored under the request's key: the request itself, unless `changes`."""
    same = dict(idempotency_key=request.idempotency_key, person_id=request.person_id,
                dose_number=request.dose_number, given_on=request.given_on,
                facility_id=request.facility_id)  # fmt: skip
    return past(dose_id, **(same | changes))


@dataclass(frozen=True)
class Facts:
    """What the registry knows when a dose is asked for (the ordinary morning by default)."""

    request: DoseData = REQUEST
    person: Vaccinee | None = PERSON
    lot: LotRef | None = LOT
    team_facility_id: int | None = None
    history: tuple[DoseRecord, ...] = ()

    def decide(self) -> DoseDecision | DoseRecord:
        return decide_dose(
            self.request,
            person=self.person,
            lot=self.lot,
            facility=HERE,
            team_facility_id=self.team_facility_id,
            history=self.history,
            staff_id=NURSE,
            now=NOW,
        )


def asked(**changes: object) -> DoseData:
    return replace(REQUEST, **changes)  # type: ignore[arg-type]


def person(**changes: object) -> Vaccinee:
    return replace(PERSON, **changes)  # type: ignore[arg-type]


def screened(at: datetime = SCREENED.at, outcome: str = ScreeningOutcome.ELIGIBLE) -> Vaccinee:
    return person(screening=ScreeningResult(SCREENED.id, at, outcome))


# -- what must come out --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """A new dose, in this state, flagged as a probable duplicate of this dose (or not)."""

    state: SignState
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Replayed:
    """The dose already stored under the key, with this id."""

    dose_id: int


@dataclass(frozen=True)
class Refused:
    """A refusal of this class, with this code."""

    kind: type[Refusal]
    code: IssuerCode


SIGN_NOW, WAIT = Decided(SignState.PENDING), Decided(SignState.WAITING)

SCENARIOS: dict[str, tuple[Facts, Decided | Replayed | Refused]] = {
    # accepted
    "a verified person screened eligible here today: signed at once": (Facts(), SIGN_NOW),
    "screened with precaution: a dose all the same": (
        Facts(person=screened(outcome=ScreeningOutcome.PRECAUTION)), SIGN_NOW),
    "an unverified person: the dose waits for the identity": (
        Facts(person=person(verification=VerificationStatus.UNVERIFIED)), WAIT),
    "an identity that did not match the registry: the dose waits": (
        Facts(person=person(verification=VerificationStatus.MISMATCH)), WAIT),
    "the second dose after the first": (
        Facts(asked(dose_number=2), history=(past(1),)), SIGN_NOW),
    "a team of this facility": (Facts(asked(team_id=5), team_facility_id=HERE.id), SIGN_NOW),
    "a lot that expires the very day": (Facts(lot=replace(LOT, expires_on=TODAY)), SIGN_NOW),
    "given on the day of birth": (Facts(person=person(date_of_birth=TODAY.isoformat())), SIGN_NOW),
    "a birth year only: any day of the next years": (
        Facts(person=person(date_of_birth="1990")), SIGN_NOW),
    # the same day at two sites
    "the same day at another site: kept, flagged, never signed": (
        Facts(history=(past(1, given_on=TODAY, facility_id=ELSEWHERE),)),
        Decided(SignState.WAITING, duplicate_of=1)),
    "flagged even for an unverified person, and the dose number is not checked": (
        Facts(asked(dose_number=4), person=person(verification=VerificationStatus.UNVERIFIED),
              history=(past(1, given_on=TODAY, facility_id=ELSEWHERE),)),
        Decided(SignState.WAITING, duplicate_of=1)),
    "a flagged duplicate counts neither as a dose nor as the same day's": (
        Facts(asked(dose_number=2), history=(
            past(1), past(2, given_on=TODAY, facility_id=ELSEWHERE, probable_duplicate_of=9))),
        SIGN_NOW),
    "already a dose today at this site": (
        Facts(history=(past(1, given_on=TODAY),)), Refused(Conflict, IssuerCode.DOSE_DUPLICATE)),
    "a dose here and one elsewhere today: the one here refuses": (
        Facts(history=(past(1, given_on=TODAY, facility_id=ELSEWHERE), past(2, given_on=TODAY))),
        Refused(Conflict, IssuerCode.DOSE_DUPLICATE)),
    # the idempotency key
    "a retry of the same dose answers the stored one": (
        Facts(history=(retry_of(REQUEST, 8),)), Replayed(8)),
    "a retry is answered before any other rule (the lot, the person, the screening)": (
        Facts(person=None, lot=None, history=(retry_of(REQUEST, 8),)), Replayed(8)),
    "a retry is not a duplicate of itself": (
        Facts(history=(past(1), retry_of(asked(dose_number=2), 8, dose_number=2)),
              request=asked(dose_number=2)), Replayed(8)),
    "the key names another person's dose": (
        Facts(history=(retry_of(REQUEST, 8, person_id=99),)),
        Refused(Conflict, IssuerCode.IDEMPOTENCY_KEY_REUSED)),
    "the key names another dose number": (
        Facts(history=(retry_of(REQUEST, 8, dose_number=2),)),
        Refused(Conflict, IssuerCode.IDEMPOTENCY_KEY_REUSED)),
    "the key names another day": (
        Facts(history=(retry_of(REQUEST, 8, given_on=TODAY - DAY),)),
        Refused(Conflict, IssuerCode.IDEMPOTENCY_KEY_REUSED)),
    "the key was another site's: it replays nothing": (
        Facts(history=(retry_of(REQUEST, 8, facility_id=ELSEWHERE),)),
        Refused(Conflict, IssuerCode.IDEMPOTENCY_KEY_REUSED)),
    # who, which team, which lot
    "no such person": (Facts(person=None), Refused(NotFound, IssuerCode.PERSON_NOT_FOUND)),
    "no such person, whatever else is wrong": (
        Facts(person=None, lot=None), Refused(NotFound, IssuerCode.PERSON_NOT_FOUND)),
    "a team of another facility": (
        Facts(asked(team_id=5), team_facility_id=ELSEWHERE),
        Refused(Invalid, IssuerCode.TEAM_NOT_FOUND)),
    "a team that does not exist": (
        Facts(asked(team_id=5), team_facility_id=None), Refused(Invalid, IssuerCode.TEAM_NOT_FOUND)),
    "the team is checked before the lot": (
        Facts(asked(team_id=5), lot=None), Refused(Invalid, IssuerCode.TEAM_NOT_FOUND)),
    "a lot this facility did not receive": (
        Facts(lot=None), Refused(Invalid, IssuerCode.LOT_NOT_FOUND)),
    "a lot of another product": (
        Facts(asked(product_code=VAXZEVRIA)), Refused(Invalid, IssuerCode.LOT_PRODUCT_MISMATCH)),
    "the product is checked before the date": (
        Facts(asked(product_code=VAXZEVRIA, given_on=TODAY + DAY)),
        Refused(Invalid, IssuerCode.LOT_PRODUCT_MISMATCH)),
    # the date, the lot's expiry
    "a date after now": (Facts(asked(given_on=TODAY + DAY)), Refused(Invalid, IssuerCode.DATE_INVALID)),
    "a date before birth": (
        Facts(asked(given_on=date(1990, 3, 8))), Refused(Invalid, IssuerCode.DATE_INVALID)),
    "a date before the birth year": (
        Facts(asked(given_on=date(1989, 12, 31)), person=person(date_of_birth="1990")),
        Refused(Invalid, IssuerCode.DATE_INVALID)),
    "the date is checked before the lot's expiry": (
        Facts(asked(given_on=TODAY + DAY), lot=replace(LOT, expires_on=TODAY - DAY)),
        Refused(Invalid, IssuerCode.DATE_INVALID)),
    "a lot expired the day before": (
        Facts(lot=replace(LOT, expires_on=TODAY - DAY)), Refused(Invalid, IssuerCode.LOT_EXPIRED)),
    "a lot that had not expired on the day given, expired since": (
        Facts(asked(given_on=TODAY - 2 * DAY), lot=replace(LOT, expires_on=TODAY - DAY),
              person=screened(at=NOW - 2 * DAY)), SIGN_NOW),
    "the lot's expiry is checked before the screening": (
        Facts(lot=replace(LOT, expires_on=TODAY - DAY), person=person(screening=None)),
        Refused(Invalid, IssuerCode.LOT_EXPIRED)),
    # the screening
    "no screening here": (
        Facts(person=person(screening=None)), Refused(Invalid, IssuerCode.SCREENING_REQUIRED)),
    "yesterday's screening": (
        Facts(person=screened(at=NOW - DAY)), Refused(Invalid, IssuerCode.SCREENING_REQUIRED)),
    "a screening that postpones": (
        Facts(person=screened(outcome=ScreeningOutcome.POSTPONE)),
        Refused(Invalid, IssuerCode.SCREENING_REQUIRED)),
    "a screening that contraindicates": (
        Facts(person=screened(outcome=ScreeningOutcome.CONTRAINDICATED)),
        Refused(Invalid, IssuerCode.SCREENING_REQUIRED)),
    "a screening that refers to hospital": (
        Facts(person=screened(outcome=ScreeningOutcome.REFER)),
        Refused(Invalid, IssuerCode.SCREENING_REQUIRED)),
    "the screening is checked before the history": (
        Facts(person=person(screening=None), history=(past(1, given_on=TODAY),)),
        Refused(Invalid, IssuerCode.SCREENING_REQUIRED)),
    # the series
    "a first dose again": (
        Facts(history=(past(1),)), Refused(Invalid, IssuerCode.DOSE_NUMBER_INCONSISTENT)),
    "a dose number that skips one": (
        Facts(asked(dose_number=3), history=(past(1),)),
        Refused(Invalid, IssuerCode.DOSE_NUMBER_INCONSISTENT)),
    "a second dose with no first": (
        Facts(asked(dose_number=2)), Refused(Invalid, IssuerCode.DOSE_NUMBER_INCONSISTENT)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str) -> None:
    facts, expected = SCENARIOS[name]
    if isinstance(expected, Refused):
        with pytest.raises(Refusal) as e:
            facts.decide()
        assert (type(e.value), e.value.code) == (expected.kind, expected.code), e.value.message
        return
    outcome = facts.decide()
    if isinstance(expected, Replayed):
        assert isinstance(outcome, DoseRecord) and outcome.id == expected.dose_id
        assert outcome in facts.history  # the stored dose as it is, not a new one
        return
    assert isinstance(outcome, DoseDecision), outcome
    assert (outcome.sign_state, outcome.probable_duplicate_of) == (
        expected.state,
        expected.duplicate_of,
    )
    assert outcome.may_sign is (expected.state is SignState.PENDING)


def test_every_code_of_the_rules_has_a_scenario() -> None:
    codes = {e.code for _, e in SCENARIOS.values() if isinstance(e, Refused)}
    assert codes == {
        IssuerCode.IDEMPOTENCY_KEY_REUSED, IssuerCode.PERSON_NOT_FOUND, IssuerCode.TEAM_NOT_FOUND,
        IssuerCode.LOT_NOT_FOUND, IssuerCode.LOT_PRODUCT_MISMATCH, IssuerCode.DATE_INVALID,
        IssuerCode.LOT_EXPIRED, IssuerCode.SCREENING_REQUIRED, IssuerCode.DOSE_DUPLICATE,
        IssuerCode.DOSE_NUMBER_INCONSISTENT,
    }  # fmt: skip


def test_a_decision_holds_the_dose_to_store_and_its_audit_details() -> None:
    decision = Facts(request=asked(team_id=5), team_facility_id=HERE.id).decide()
    assert isinstance(decision, DoseDecision)
    assert decision.columns() == {
        "idempotency_key": "k1", "person_id": PERSON.id, "product_code": COMIRNATY,
        "lot_id": LOT.id, "dose_number": 1, "given_on": TODAY, "facility_id": HERE.id,
        "staff_id": NURSE, "screening_id": SCREENED.id, "team_id": 5,
        "probable_duplicate_of": None, "sign_state": SignState.PENDING, "sign_refusal": None,
        "created_at": NOW,
    }  # fmt: skip
    assert decision.details == {"person": PERSON.id, "dose_number": 1, "lot": LOT.number,
                                "duplicate_of": None}  # fmt: skip
    stored = decision.record(41)
    assert (stored.id, stored.lot_number, stored.created_at) == (41, LOT.number, NOW)
    assert stored == DoseRecord(id=41, lot_number=LOT.number, **decision.columns())


def test_a_duplicate_names_the_dose_it_doubts_in_the_audit() -> None:
    decision = Facts(history=(past(1, given_on=TODAY, facility_id=ELSEWHERE),)).decide()
    assert isinstance(decision, DoseDecision)
    assert decision.details["duplicate_of"] == decision.columns()["probable_duplicate_of"] == 1


def test_signing_or_refusing_changes_the_state_and_tells_the_audit() -> None:
    decision = Facts().decide()
    assert isinstance(decision, DoseDecision)
    signed = decision.signed("URN:UVCI:01:VN:X#Y", "0a0b")
    assert (signed.sign_state, signed.sign_refusal) == (SignState.SIGNED, None)
    assert signed.details == {**decision.details, "signed": "URN:UVCI:01:VN:X#Y", "kid": "0a0b"}
    refused = decision.refused("NAME_NOT_TRANSLITERABLE: no transliterated name")
    assert (refused.sign_state, refused.sign_refusal) == (
        SignState.WAITING,
        "NAME_NOT_TRANSLITERABLE: no transliterated name",
    )
    assert refused.columns()["sign_refusal"] == refused.details["sign_refused"]
    assert not refused.may_sign and not signed.may_sign
    assert decision.sign_state is SignState.PENDING and "signed" not in decision.details


def test_the_rules_import_no_database_framework() -> None:
    probe = "import issuer.services.dose_rules, json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "issuer.services.dose_rules" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"sqlalchemy", "psycopg", "flask"}}
    assert "issuer.models" not in loaded
