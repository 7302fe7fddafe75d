"""What the screens show, as JSON-ready dicts in both languages (the page and the terminal).

On a valid certificate only what an officer compares with an ID card: the name as written and
transliterated, the date of birth, and the certificate's type with its dose and date. On amber
the certificate line (no name, no birth date) explains the failed rule; on red nothing of the
holder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from checkpoint_app import i18n
from checkpoint_app.checkpoint import Checkpoint, Outcome, Scan
from checkpoint_app.i18n import LANGUAGES
from checkpoint_app.session import CounterSnapshot
from checkpoint_app.trust import LoadResult, TrustStatus
from hcert import valuesets
from hcert.dcc import DccPayload, Recovery, Test, Vaccination
from hcert.errors import Category, HcertError


def scan_view(scan: Scan) -> dict[str, Any]:
    """The verdict screen of one scan."""
    verdict, outcome = scan.verdict, scan.outcome
    out: dict[str, Any] = {
        "found": True,
        "outcome": outcome.value,
        "category": verdict.category.value,
        "code": verdict.code.value,
        "rule": scan.rule.rule.value if scan.rule else None,
        "title": i18n.OUTCOME_TITLES[outcome.value],
        "reason": {lang: i18n.reason(verdict.code, scan.rule, lang) for lang in LANGUAGES},
        "detail": verdict.message if outcome is Outcome.INVALID else None,
        "repeat": scan.repeat,
    }
    payload = verdict.content.payload if verdict.content is not None else None
    if payload is not None and outcome is not Outcome.INVALID:
        out["certificate"] = certificate_line(payload)
    if payload is not None and outcome is Outcome.VALID:
        out["holder"] = holder(payload)
    return out


def not_read_view(error: HcertError) -> dict[str, Any]:
    """An image in which no certificate could be read (nothing verified, nothing counted)."""
    return {
        "found": False,
        "code": error.code.value,
        "reason": {lang: i18n.reason(error.code, None, lang) for lang in LANGUAGES},
    }


def holder(payload: DccPayload) -> dict[str, str]:
    """Name as written, name transliterated (ICAO 9303, ``<`` as spaces), date of birth."""
    nam = payload.nam
    return {
        "name": " ".join(p for p in (nam.fn, nam.gn) if p),
        "name_t": " ".join(p for p in (nam.fnt, nam.gnt) if p).replace("<", " ").strip(),
        "dob": i18n.show_date(payload.dob),
    }


def certificate_line(payload: DccPayload) -> dict[str, str]:
    """The certificate's type with its dose and date (or test, or recovery period)."""
    e = payload.entry
    lines = i18n.CERTIFICATE_LINES[payload.cert_type.value]
    out = {}
    for lang in LANGUAGES:
        if isinstance(e, Vaccination):
            product = valuesets.vaccine_product(e.mp)
            name = (product.name_vi if lang == "vi" else product.name_en) if product else e.mp
            values = {"dn": e.dn, "sd": e.sd, "date": i18n.show_date(e.dt), "product": name}
        elif isinstance(e, Test):
            kind, result = valuesets.lab_test_type(e.tt), valuesets.lab_test_result(e.tr)
            values = {
                "type": (kind.name_vi if lang == "vi" else kind.name_en) if kind else e.tt,
                "result": (result.name_vi if lang == "vi" else result.name_en) if result else e.tr,
                "time": i18n.show_instant(datetime.fromisoformat(e.sc)),
            }
        else:
            assert isinstance(e, Recovery)
            values = {"df": i18n.show_date(e.df), "du": i18n.show_date(e.du)}
        out[lang] = lines[lang].format(**values)
    return out


def trust_view(status: TrustStatus, grace_hours: int) -> dict[str, Any]:
    """The trust list's band: version, age, expiry, grace, the last load's outcome."""
    values = {
        "version": str(status.version),
        "expires": i18n.show_instant(status.expires_at) if status.expires_at else "?",
        "grace_until": i18n.show_instant(status.grace_until) if status.grace_until else "?",
    }
    return {
        "level": status.level.value,
        "version": status.version,
        "issued_at": _iso(status.issued_at),
        "expires_at": _iso(status.expires_at),
        "grace_allowed": status.grace_allowed,
        "grace_hours": grace_hours,
        "text": {
            lang: i18n.TRUST_LEVELS[status.level][lang].format(
                **values, age=i18n.show_age(status.age, lang) if status.age is not None else "?"
            )
            for lang in LANGUAGES
        },
        "last_load": load_view(status.last_load) if status.last_load else None,
    }


def checkpoint_trust_view(checkpoint: Checkpoint) -> dict[str, Any]:
    """The trust band of `checkpoint` now."""
    return trust_view(
        checkpoint.trust.status(), round(checkpoint.trust.grace.total_seconds() / 3600)
    )


def load_view(result: LoadResult) -> dict[str, Any]:
    """One load attempt's outcome, for the settings panel."""
    texts = {}
    for lang in LANGUAGES:
        why = i18n.reason(result.code, None, lang) if result.code else result.message
        texts[lang] = i18n.LOAD_OUTCOMES[result.outcome][lang].format(
            version=result.version, reason=why
        )
    return {
        "outcome": result.outcome.value,
        "source": result.source,
        "version": result.version,
        "code": result.code.value if result.code else None,
        "message": result.message,
        "text": texts,
        "at": _iso(result.at),
    }


def counters_view(snapshot: CounterSnapshot) -> dict[str, Any]:
    """The shift's counters."""
    return {
        "since": _iso(snapshot.since),
        "scans": snapshot.scans,
        "valid": snapshot.valid,
        "rules_failed": snapshot.invalid.get(Category.RULES_FAILED, 0),
        "invalid": sum(snapshot.invalid.values()),
        "by_category": {c.value: n for c, n in snapshot.invalid.items()},
    }


def state_view(checkpoint: Checkpoint) -> dict[str, Any]:
    """Settings, trust band and counters: what every screen shows around the verdict."""
    return {
        "settings": checkpoint.settings.to_json(),
        "trust": checkpoint_trust_view(checkpoint),
        "counters": counters_view(checkpoint.counters.snapshot()),
        "trust_url": checkpoint.trust_url,
    }


def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None
