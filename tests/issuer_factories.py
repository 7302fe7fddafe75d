"""Bulk registry data for the tests and benchmarks that need many rows fast (core inserts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from issuer.domain import Role, SignState
from issuer.models import Dose, Person, Screening
from issuer.reference import create_facility, create_lot, create_staff, ensure_vaccine_products

PRODUCT = "EU/1/20/1528"


@dataclass(frozen=True)
class BulkSite:
    """One facility with its lot, one staff account and `count` verified people."""

    facility_id: int
    lot_id: int
    staff_id: int
    person_ids: list[int]


def bulk_site(
    session: Session,
    count: int,
    *,
    password: str = "bench-pw",
    screened: bool = False,
    pending_doses: bool = False,
) -> BulkSite:
    """A site with `count` verified people (screened today, or with a PENDING first dose)."""
    now = datetime.now(UTC)
    ensure_vaccine_products(session)
    site = create_facility(session, code="B-001", name="Trạm Y tế bench", province_code="12")
    lot = create_lot(
        session,
        facility=site,
        number="L1",
        product_code=PRODUCT,
        expires_on=date.today() + timedelta(days=90),
        quantity=count,
    )
    staff = create_staff(
        session, username="bench", password=password, role=Role.SITE_STAFF, facility=site
    )
    session.execute(
        insert(Person),
        [
            dict(
                document_kind="cccd",
                document_number=f"012090{i:06d}",
                full_name="Lò Văn Pọm",
                family_name="Lò",
                given_name="Văn Pọm",
                family_name_t="LO",
                given_name_t="VAN<POM",
                date_of_birth="1990-01-01",
                sex="male",
                verification="verified",
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ],
    )
    ids = list(session.scalars(select(Person.id).order_by(Person.id)))
    if screened:
        session.execute(
            insert(Screening),
            [
                dict(
                    person_id=p, facility_id=site.id, staff_id=staff.id, outcome="eligible", at=now
                )
                for p in ids
            ],
        )
    if pending_doses:
        session.execute(
            insert(Dose),
            [
                dict(
                    idempotency_key=f"k{i}",
                    person_id=p,
                    product_code=PRODUCT,
                    lot_id=lot.id,
                    dose_number=1,
                    given_on=date.today(),
                    facility_id=site.id,
                    staff_id=staff.id,
                    sign_state=SignState.PENDING,
                    created_at=now,
                )
                for i, p in enumerate(ids)
            ],
        )
    return BulkSite(site.id, lot.id, staff.id, ids)


def add_signed_history(session: Session, site: BulkSite, count: int) -> None:
    """`count` more people with one signed dose each, made by PostgreSQL itself (generate_series):
    the history a real registry carries, so that benchmarks show whether costs stay flat.
    """
    from sqlalchemy import text

    session.execute(
        text("""
        INSERT INTO persons (document_kind, document_number, full_name, family_name, given_name,
                             family_name_t, given_name_t, date_of_birth, sex, nationality, verification,
                             created_at, updated_at)
        SELECT 'cmnd', lpad(g::text, 9, '0'), 'Lò Văn Pọm', 'Lò', 'Văn Pọm', 'LO', 'VAN<POM', '1990-01-01',
               'male', 'VN', 'verified', now(), now()
        FROM generate_series(1, :n) AS g"""),
        {"n": count},
    )
    session.execute(
        text("""
        INSERT INTO doses (idempotency_key, person_id, product_code, lot_id, dose_number, given_on,
                           facility_id, staff_id, sign_state, created_at)
        SELECT 'h' || p.id, p.id, :product, :lot, 1, current_date - 30, :facility, :staff, 'signed', now()
        FROM persons p WHERE p.document_kind = 'cmnd'"""),
        {
            "product": PRODUCT,
            "lot": site.lot_id,
            "facility": site.facility_id,
            "staff": site.staff_id,
        },
    )
    session.execute(text("ANALYZE persons; ANALYZE doses"))


def api_world(session: Session) -> None:
    """What the API tests stand on: the products, a Lai Châu site (facility 1) with a good lot
    ``FK1234`` and an expired one ``OLD1``, a Hà Nội site (facility 2), and the accounts
    ``nurse`` (site 1), ``padmin`` (province 12) and ``auditor``, each with password
    ``<name>-pw``.
    """
    ensure_vaccine_products(session)
    site = create_facility(
        session, code="LCU-001", name="Trạm Y tế xã Sơn Bình", province_code="12"
    )
    create_facility(session, code="HNI-001", name="Trạm Y tế phường Phúc Xá", province_code="01")
    today = date.today()
    create_lot(
        session,
        facility=site,
        number="FK1234",
        product_code=PRODUCT,
        expires_on=today + timedelta(days=90),
        quantity=1000,
    )
    create_lot(
        session,
        facility=site,
        number="OLD1",
        product_code=PRODUCT,
        expires_on=today - timedelta(days=1),
        quantity=100,
    )
    create_staff(
        session, username="nurse", password="nurse-pw", role=Role.SITE_STAFF, facility=site
    )
    create_staff(
        session,
        username="padmin",
        password="padmin-pw",
        role=Role.PROVINCIAL_ADMIN,
        province_code="12",
    )
    create_staff(session, username="auditor", password="auditor-pw", role=Role.AUDITOR)
