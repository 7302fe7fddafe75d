"""The officer's verification rules, evaluated offline on a certificate whose signature verified.

Business rules are the last check of ARCHITECTURE §4: a certificate that is valid in every
other respect but does not meet them is `RULES_FAILED` (amber on the screen), naming the rule.
Pure: the time comes in as an argument. Dates are compared in Viet Nam's time (UTC+7, no
daylight saving), the calendar the certificates' dates were written in.

The rules follow the EU DCC business rules and Council Recommendation (EU) 2022/107:

- every certificate: the disease targeted is COVID-19 (GR-EU-0001);
- vaccination: the date of vaccination is not in the future; *fully vaccinated* means the
  primary series is complete (`dn >= sd`, VR-EU-0002) and at least 14 days have passed since
  its last dose (VR-EU-0003), except for a booster, which counts from the day it is given;
  a *booster* is a dose beyond the primary series: `dn > sd` (``2/1``: a booster after one
  Janssen dose or after a recovery), or, in the ``3/3`` notation of the eHealth Network's
  guidelines, `dn` beyond the product's own primary series (``3/3`` Comirnaty, ``2/2`` Janssen;
  Abdala's primary series has 3 doses, so its ``3/3`` is no booster); an unknown product's
  ``3/3`` or more is taken as a booster;
- recovery: accepted only if the officer accepts recovery certificates, and only between its
  `df` and `du` (RR-EU-0001);
- test: accepted only in the "any valid certificate" mode (the other modes ask for
  vaccination), negative (TR-EU-0003), a known test type (TR-EU-0001), its sample taken not in
  the future and at most 72 hours ago for a NAA test (RT-PCR) or 24 hours ago for a rapid
  antigen test (2022/107 point 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from hcert import valuesets
from hcert.dcc import DccPayload, Recovery, Test, Vaccination

VIET_NAM_TIME = timezone(timedelta(hours=7), "ICT")
DAYS_AFTER_PRIMARY_SERIES = 14
TEST_NAA = "LP6464-4"
TEST_RAPID_ANTIGEN = "LP217198-3"
RESULT_NOT_DETECTED = "260415000"
TEST_VALIDITY = {TEST_NAA: timedelta(hours=72), TEST_RAPID_ANTIGEN: timedelta(hours=24)}
_UNKNOWN_PRODUCT_BOOSTER_DOSE = 3


class Mode(StrEnum):
    """What the officer asks of a vaccination certificate."""

    ANY = "any"
    VACCINATED = "vaccinated"
    BOOSTER = "booster"


class Rule(StrEnum):
    """The rules a certificate can fail; the value is the stable id shown with RULES_FAILED."""

    DISEASE = "DISEASE"
    VACCINATION_DATE = "VACCINATION_DATE"
    PRIMARY_SERIES = "PRIMARY_SERIES"
    DAYS_SINCE_SERIES = "DAYS_SINCE_SERIES"
    BOOSTER = "BOOSTER"
    RECOVERY_NOT_ACCEPTED = "RECOVERY_NOT_ACCEPTED"
    RECOVERY_PERIOD = "RECOVERY_PERIOD"
    TEST_NOT_ACCEPTED = "TEST_NOT_ACCEPTED"
    TEST_TYPE = "TEST_TYPE"
    TEST_RESULT = "TEST_RESULT"
    TEST_AGE = "TEST_AGE"


@dataclass(frozen=True, slots=True)
class RulePolicy:
    """The active rules, as the officer set them.

    Attributes:
        mode: any valid certificate, fully vaccinated, or booster.
        accept_recovery: whether a recovery certificate is accepted (in every mode).
    """

    mode: Mode = Mode.ANY
    accept_recovery: bool = True


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """A rule the certificate did not meet.

    Attributes:
        rule: which one.
        params: the values the explanation quotes (dose numbers, dates, hours), as text.
    """

    rule: Rule
    params: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """A one-line English explanation for logs of the rule itself (no personal data)."""
        details = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"rule {self.rule.value} failed" + (f" ({details})" if details else "")


def evaluate(payload: DccPayload, policy: RulePolicy, now: datetime) -> RuleFailure | None:
    """Check a schema-valid payload against the active rules.

    Args:
        payload: the verified certificate's payload.
        policy: the officer's mode and recovery setting.
        now: the reference time (aware).

    Returns:
        The first rule not met, or None when the certificate meets them all.
    """
    entry = payload.entry
    if entry.tg != valuesets.DISEASE_COVID19:
        return RuleFailure(Rule.DISEASE, {"tg": entry.tg})
    if isinstance(entry, Vaccination):
        return _vaccination(entry, policy.mode, now)
    if isinstance(entry, Recovery):
        return _recovery(entry, policy, now)
    return _test(entry, policy.mode, now)


def is_booster(entry: Vaccination) -> bool:
    """Whether the dose lies beyond the primary series (see the module's notes)."""
    if entry.dn > entry.sd:
        return True
    product = valuesets.vaccine_product(entry.mp)
    if product is not None:
        return entry.dn > product.primary_series_doses
    return entry.dn >= _UNKNOWN_PRODUCT_BOOSTER_DOSE


def _vaccination(entry: Vaccination, mode: Mode, now: datetime) -> RuleFailure | None:
    given = date.fromisoformat(entry.dt)
    today = local_date(now)
    if given > today:
        return RuleFailure(Rule.VACCINATION_DATE, {"date": entry.dt})
    doses = {"dn": str(entry.dn), "sd": str(entry.sd)}
    booster = is_booster(entry)
    if mode is Mode.BOOSTER and not booster:
        return RuleFailure(Rule.BOOSTER, doses)
    if mode is Mode.VACCINATED:
        if entry.dn < entry.sd:
            return RuleFailure(Rule.PRIMARY_SERIES, doses)
        valid_from = given + timedelta(days=DAYS_AFTER_PRIMARY_SERIES)
        if not booster and today < valid_from:
            return RuleFailure(
                Rule.DAYS_SINCE_SERIES,
                {**doses, "days": str((today - given).days), "from": valid_from.isoformat()},
            )
    return None


def _recovery(entry: Recovery, policy: RulePolicy, now: datetime) -> RuleFailure | None:
    if not policy.accept_recovery:
        return RuleFailure(Rule.RECOVERY_NOT_ACCEPTED)
    today = local_date(now)
    if not date.fromisoformat(entry.df) <= today <= date.fromisoformat(entry.du):
        return RuleFailure(Rule.RECOVERY_PERIOD, {"df": entry.df, "du": entry.du})
    return None


def _test(entry: Test, mode: Mode, now: datetime) -> RuleFailure | None:
    if mode is not Mode.ANY:
        return RuleFailure(Rule.TEST_NOT_ACCEPTED)
    validity = TEST_VALIDITY.get(entry.tt)
    if validity is None:
        return RuleFailure(Rule.TEST_TYPE, {"tt": entry.tt})
    if entry.tr != RESULT_NOT_DETECTED:
        return RuleFailure(Rule.TEST_RESULT, {"tr": entry.tr})
    sampled = datetime.fromisoformat(entry.sc)
    hours = (now - sampled).total_seconds() / 3600
    if hours < 0 or hours > validity.total_seconds() / 3600:
        return RuleFailure(
            Rule.TEST_AGE,
            {"hours": str(int(hours)), "max": str(int(validity.total_seconds() // 3600))},
        )
    return None


def local_date(now: datetime) -> date:
    """The calendar date in Viet Nam at `now`."""
    return now.astimezone(VIET_NAM_TIME).date()
