"""The officer's modes as offline rules: a table of certificates, modes and the rule that fails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checkpoint_app.rules import Mode, Rule, RulePolicy, evaluate, is_booster, local_date
from hcert.dcc import Vaccination, parse_dcc
from tests.checkpoint_factories import covid_test, recovery, vaccination

# 2026-06-01 03:00 in Viet Nam is still 2026-05-31 in UTC: the calendar is Viet Nam's.
NOW = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)
ANY, FULL, BOOST = RulePolicy(Mode.ANY), RulePolicy(Mode.VACCINATED), RulePolicy(Mode.BOOSTER)
NO_RECOVERY = RulePolicy(Mode.ANY, accept_recovery=False)

CASES: list[tuple[str, dict[str, Any], RulePolicy, Rule | None, dict[str, str]]] = [
    ("any: a first dose is a valid certificate", vaccination(dn=1, sd=2), ANY, None, {}),
    ("full: dose 2/2 long ago", vaccination(dn=2, sd=2, dt="2021-10-01"), FULL, None, {}),
    ("full: dose 1/2", vaccination(dn=1, sd=2), FULL, Rule.PRIMARY_SERIES, {"dn": "1", "sd": "2"}),
    ("full: dose 2/2 thirteen days ago", vaccination(dt="2026-05-19"), FULL,
     Rule.DAYS_SINCE_SERIES, {"dn": "2", "sd": "2", "days": "13", "from": "2026-06-02"}),
    ("full: dose 2/2 fourteen days ago (Viet Nam's date)", vaccination(dt="2026-05-18"), FULL, None, {}),
    ("full: a booster counts from its day", vaccination(dn=3, sd=3, dt="2026-06-01"), FULL, None, {}),
    ("full: Janssen 1/1 needs its 14 days", vaccination(dn=1, sd=1, mp="EU/1/20/1525", dt="2026-05-25"),
     FULL, Rule.DAYS_SINCE_SERIES, {"dn": "1", "sd": "1", "days": "7", "from": "2026-06-08"}),
    ("booster: 2/2 Comirnaty is the primary series", vaccination(dn=2, sd=2), BOOST,
     Rule.BOOSTER, {"dn": "2", "sd": "2"}),
    ("booster: 3/3 Comirnaty", vaccination(dn=3, sd=3), BOOST, None, {}),
    ("booster: 2/1 after one dose or a recovery", vaccination(dn=2, sd=1), BOOST, None, {}),
    ("booster: 2/2 Janssen", vaccination(dn=2, sd=2, mp="EU/1/20/1525"), BOOST, None, {}),
    ("booster: 3/3 Abdala is its primary series", vaccination(dn=3, sd=3, mp="Abdala"), BOOST,
     Rule.BOOSTER, {"dn": "3", "sd": "3"}),
    ("booster: 3/3 of an unknown product", vaccination(dn=3, sd=3, mp="X-Vax"), BOOST, None, {}),
    ("any: a vaccination dated tomorrow", vaccination(dt="2026-06-02"), ANY,
     Rule.VACCINATION_DATE, {"date": "2026-06-02"}),
    ("any: recovery within df..du", recovery(fr="2026-04-01", df="2026-04-12", du="2026-09-28"),
     ANY, None, {}),
    ("full: recovery accepted in every mode", recovery(fr="2026-04-01", df="2026-04-12",
     du="2026-09-28"), FULL, None, {}),
    ("recovery not accepted", recovery(fr="2026-04-01", df="2026-04-12", du="2026-09-28"),
     NO_RECOVERY, Rule.RECOVERY_NOT_ACCEPTED, {}),
    ("recovery past du", recovery(fr="2025-10-01", df="2025-10-12", du="2026-05-31"), ANY,
     Rule.RECOVERY_PERIOD, {"df": "2025-10-12", "du": "2026-05-31"}),
    ("any: negative PCR 70 hours ago", covid_test(sc="2026-05-29T22:00:00Z"), ANY, None, {}),
    ("any: negative PCR 73 hours ago", covid_test(sc="2026-05-28T19:00:00+00:00"), ANY,
     Rule.TEST_AGE, {"hours": "73", "max": "72"}),
    ("any: rapid test 25 hours ago", covid_test(sc="2026-05-30T19:00:00Z", tt="LP217198-3"), ANY,
     Rule.TEST_AGE, {"hours": "25", "max": "24"}),
    ("any: a positive test", covid_test(sc="2026-05-31T10:00:00Z", tr="260373001"), ANY,
     Rule.TEST_RESULT, {"tr": "260373001"}),
    ("any: an unknown test type", covid_test(sc="2026-05-31T10:00:00Z", tt="LP0000-0"), ANY,
     Rule.TEST_TYPE, {"tt": "LP0000-0"}),
    ("any: a sample in the future", covid_test(sc="2026-06-01T10:00:00+07:00"), ANY,
     Rule.TEST_AGE, {"hours": "-7", "max": "72"}),
    ("full: tests are not accepted", covid_test(sc="2026-05-31T10:00:00Z"), FULL,
     Rule.TEST_NOT_ACCEPTED, {}),
]  # fmt: skip


@pytest.mark.parametrize(("dcc", "policy", "rule", "params"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_rules(
    dcc: dict[str, Any], policy: RulePolicy, rule: Rule | None, params: dict[str, str]
) -> None:
    failure = evaluate(parse_dcc(dcc), policy, NOW)
    if rule is None:
        assert failure is None, failure
    else:
        assert failure is not None
        assert (failure.rule, failure.params) == (rule, params)


def test_another_disease_fails_every_mode() -> None:
    dcc = vaccination()
    dcc["v"][0]["tg"] = "840539007"
    failure = evaluate(parse_dcc(dcc), ANY, NOW)
    assert failure is not None and failure.rule is Rule.DISEASE


def test_the_calendar_is_viet_nams() -> None:
    assert local_date(NOW).isoformat() == "2026-06-01"


@pytest.mark.parametrize(
    ("dn", "sd", "mp", "booster"),
    [(2, 2, "EU/1/20/1528", False), (3, 2, "EU/1/20/1528", True), (1, 1, "EU/1/20/1525", False),
     (2, 1, "X", True), (2, 2, "X", False), (3, 3, "X", True)],
)  # fmt: skip
def test_is_booster(dn: int, sd: int, mp: str, booster: bool) -> None:
    entry = parse_dcc(vaccination(dn=dn, sd=sd, mp=mp)).entry
    assert isinstance(entry, Vaccination)
    assert is_booster(entry) is booster
