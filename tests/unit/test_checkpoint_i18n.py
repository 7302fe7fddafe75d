"""Vietnamese first, English second: every category, rule, state and label has both."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path

import pytest

from checkpoint_app import i18n
from checkpoint_app.rules import Mode, Rule, RuleFailure
from checkpoint_app.trust import LoadOutcome, TrustLevel
from hcert.errors import Category, ErrorCode

STATIC = Path(i18n.__file__).parent / "static"
TABLES: dict[str, tuple[Mapping[object, Mapping[str, str]], list[object]]] = {
    "categories": (i18n.CATEGORY_REASONS, list(Category)),
    "rules": (i18n.RULE_REASONS, list(Rule)),
    "modes": (i18n.MODE_NAMES, list(Mode)),
    "trust levels": (i18n.TRUST_LEVELS, list(TrustLevel)),
    "load outcomes": (i18n.LOAD_OUTCOMES, list(LoadOutcome)),
    "outcomes": (i18n.OUTCOME_TITLES, ["valid", "rules", "invalid"]),
    "certificate lines": (i18n.CERTIFICATE_LINES, ["v", "t", "r"]),
    "codes": (i18n.CODE_REASONS, list(i18n.CODE_REASONS)),
    "ui": (i18n.UI, list(i18n.UI)),
}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("table", list(TABLES))
def test_every_entry_has_vietnamese_and_english_with_the_same_placeholders(table: str) -> None:
    texts, keys = TABLES[table]
    assert set(texts) == set(keys), f"{table}: missing {set(keys) - set(texts)}"
    for key, text in texts.items():
        assert set(text) == {"vi", "en"}, (table, key)
        assert text["vi"].strip() and text["en"].strip(), (table, key)
        assert _fields(text["vi"]) == _fields(text["en"]), (table, key)


def test_vietnamese_is_written_in_vietnamese() -> None:
    # A crude guard against an English text pasted in the Vietnamese slot.
    for table in ("categories", "rules", "trust levels"):
        texts, _ = TABLES[table]
        for key, text in texts.items():
            if key is not Category.VALID:
                assert text["vi"] != text["en"], (table, key)
            assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]",
                             text["vi"].lower()), (table, key)  # fmt: skip


def test_reasons_prefer_the_rule_then_the_code_then_the_category() -> None:
    failure = RuleFailure(Rule.DAYS_SINCE_SERIES, {"days": "3", "from": "2026-06-02"})
    assert i18n.reason(ErrorCode.RULE_FAILED, failure, "vi") == (
        "Tiêm đủ liều mới 3 ngày, cần 14 ngày (đạt từ 02/06/2026)"
    )
    assert i18n.reason(ErrorCode.TRUST_LIST_EXPIRED, None, "en").startswith(
        "The trust list has expired"
    )
    assert i18n.reason(ErrorCode.CERTIFICATE_EXPIRED, None, "vi") == "Chứng nhận đã hết hạn"


def test_every_label_the_page_asks_for_exists() -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    js = (STATIC / "checkpoint.js").read_text(encoding="utf-8")
    wanted = set(re.findall(r'data-t(?:-placeholder)?="([a-z_]+)"', html))
    wanted |= set(re.findall(r'\bt\("([a-z_]+)"\)', js))
    for pair in re.findall(r'\bt\([^()]*\?\s*"([a-z_]+)"\s*:\s*"([a-z_]+)"\)', js):
        wanted |= set(pair)  # t(x ? "a" : "b")
    assert len(wanted) > 20
    assert wanted <= set(i18n.UI), sorted(wanted - set(i18n.UI))
    modes = set(re.findall(r'data-mode="([a-z]+)"', html))
    assert modes == {m.value for m in Mode}


def test_dates_and_ages_are_shown_the_vietnamese_way() -> None:
    from datetime import UTC, datetime, timedelta

    assert i18n.show_date("1990-05-17") == "17/05/1990"
    assert i18n.show_date("1990-05") == "05/1990"
    assert i18n.show_date("1990") == "1990"
    assert i18n.show_date("") == "—"
    assert i18n.show_instant(datetime(2026, 3, 1, 20, 5, tzinfo=UTC)) == "03:05 02/03/2026"
    assert i18n.show_age(timedelta(minutes=119), "vi") == "119 phút"
    assert i18n.show_age(timedelta(hours=47), "en") == "47 h"
    assert i18n.show_age(timedelta(days=3, hours=5), "vi") == "3 ngày"
