"""Adverse events (phản ứng sau tiêm) of one facility's doses, by the day they were reported.

The list names the dose, never the person: who had the reaction is personal data, a read of it
would have to be audited, and the figures a province watches (how many, how serious, how they
ended) need no name. Whoever may read the facility may read its list.

Days are Viet Nam's calendar days (ICT, UTC+7, no daylight saving time): "from 2021-08-01"
starts at midnight in Hà Nội, not at midnight UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import AdverseEvent, Dose
from issuer.services import scope
from issuer.services.errors import Invalid, IssuerCode
from issuer.services.registry import SEVERITIES, facility_ref
from issuer.services.scope import Actor

VIETNAM = timezone(timedelta(hours=7), "ICT")
LIST_LIMIT = 500


@dataclass(frozen=True, slots=True)
class AdverseEventItem:
    """One reaction after a dose, without the person."""

    id: int
    dose_id: int
    severity: str
    anaphylaxis_grade: int | None
    outcome: str | None
    reported_at: datetime


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), VIETNAM).astimezone(UTC)


def facility_adverse_events(
    session: Session,
    actor: Actor,
    facility_id: int,
    *,
    since: date | None = None,
    until: date | None = None,
    severity: str | None = None,
    after: int | None = None,
    limit: int = LIST_LIMIT,
) -> list[AdverseEventItem]:
    """The reactions after the facility's doses reported from `since` to `until` (both days
    included, Viet Nam time), of one `severity` if given; by id, at most `limit`, after the
    id `after`.

    Raises:
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN.
        Invalid: FIELD_INVALID (severity), DATE_INVALID (`since` after `until`).
    """  # noqa: D205
    scope.require_facility(actor, facility_ref(session, facility_id))
    if severity is not None and severity not in SEVERITIES:
        raise Invalid(
            IssuerCode.FIELD_INVALID, f"severity: got {severity!r}, expected common or serious"
        )
    if since is not None and until is not None and since > until:
        raise Invalid(IssuerCode.DATE_INVALID, f"from {since} is after to {until}")
    query = (
        select(
            AdverseEvent.id,
            AdverseEvent.dose_id,
            AdverseEvent.severity,
            AdverseEvent.anaphylaxis_grade,
            AdverseEvent.outcome,
            AdverseEvent.reported_at,
        )
        .join(Dose, Dose.id == AdverseEvent.dose_id)
        .where(Dose.facility_id == facility_id)
        .order_by(AdverseEvent.id)
        .limit(min(limit, LIST_LIMIT))
    )
    if since is not None:
        query = query.where(AdverseEvent.reported_at >= _start_of(since))
    if until is not None:
        query = query.where(AdverseEvent.reported_at < _start_of(until + timedelta(days=1)))
    if severity is not None:
        query = query.where(AdverseEvent.severity == severity)
    if after is not None:
        query = query.where(AdverseEvent.id > after)
    return [AdverseEventItem(*row) for row in session.execute(query)]
