"""Demo data: a province's injection sites, staff, lots, and a few thousand vaccinated people.

Names are drawn from common Vietnamese family, middle and given names; CCCD numbers are
consistent with birth year, sex and the province of birth registration (so they check clean).
Staff passwords are random and returned to the caller, never stored in clear.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import admin_units
from issuer.domain import Role, ScreeningOutcome, VerificationStatus
from issuer.models import Facility
from issuer.reference import create_facility, create_lot, create_staff, ensure_vaccine_products
from issuer.services.doses import DoseData, record_dose
from issuer.services.persons import PersonData, check_in, set_verification
from issuer.services.registry import record_screening
from issuer.services.scope import Actor

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Lò",
    "Giàng",
    "Tòng",
    "Lường",
]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Xuân", "Công", "Gia", "Đình"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bích", "Mai", "Hồng", "Kim", "Diệu"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Quang",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Vinh",
    "Hiếu",
    "Tài",
    "Trung",
]
GIVEN_FEMALE = [
    "Chi",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Ngọc",
    "Phương",
    "Tâm",
    "Thảo",
    "Trang",
    "Yến",
    "Vân",
    "Nhung",
    "Huyền",
    "Dung",
]
PROVINCE = "12"  # Lai Châu (letter 004)
PRODUCTS = [
    ("EU/1/21/1529", "AZ"),
    ("EU/1/20/1528", "PF"),
    ("BBIBP-CorV", "VC"),
    ("EU/1/20/1507", "MD"),
]


def cccd_number(rng: random.Random, born: date, male: bool, province: str = PROVINCE) -> str:
    """A CCCD number consistent with `born` and sex: ``0PP G YY NNNNNN`` (Circular 07/2016)."""
    century = (born.year - 1900) // 100
    digit = century * 2 + (0 if male else 1)
    return f"0{province}{digit}{born.year % 100:02d}{rng.randrange(10**6):06d}"


@dataclass(frozen=True)
class SeedResult:
    """What was created, and the demo passwords (print them once; they are not stored)."""

    facilities: int
    persons: int
    doses: int
    passwords: dict[str, str]


def seed_demo(
    session: Session, *, persons: int = 2000, seed: int = 2021, now: datetime | None = None
) -> SeedResult:
    """Create the demo province, unless the database already has facilities."""
    if session.scalar(select(func.count()).select_from(Facility)):
        raise ValueError(
            "the database already holds facilities: seed-demo runs on an empty registry"
        )
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    ensure_vaccine_products(session)
    tam_duong = admin_units.communes_of("106") or ()  # Huyện Tam Đường
    sites = [
        create_facility(
            session,
            code="LCU-TDU-01",
            name="Trạm Y tế xã Sơn Bình",
            province_code=PROVINCE,
            commune_code="03413",  # Xã Sơn Bình
        ),
        create_facility(
            session,
            code="LCU-TDU-02",
            name="Trung tâm Y tế huyện Tam Đường",
            province_code=PROVINCE,
            commune_code="03390",  # Thị trấn Tam Đường
        ),
        create_facility(
            session,
            code="LCU-MOB-01",
            name="Điểm tiêm lưu động Phong Thổ",
            province_code=PROVINCE,
            commune_code=(admin_units.communes_of("109") or ())[0].code,  # Huyện Phong Thổ
            mobile=True,
        ),
    ]
    passwords = {
        name: secrets.token_urlsafe(12) for name in ("nurse", "facility-admin", "padmin", "auditor")
    }
    nurse = create_staff(
        session,
        username="nurse",
        password=passwords["nurse"],
        role=Role.SITE_STAFF,
        full_name="Lò Thị Hoa",
        facility=sites[0],
    )
    create_staff(
        session,
        username="facility-admin",
        password=passwords["facility-admin"],
        role=Role.FACILITY_ADMIN,
        full_name="Tòng Văn Sơn",
        facility=sites[0],
    )
    padmin = create_staff(
        session,
        username="padmin",
        password=passwords["padmin"],
        role=Role.PROVINCIAL_ADMIN,
        full_name="Trần Minh Quân",
        province_code=PROVINCE,
    )
    create_staff(
        session,
        username="auditor",
        password=passwords["auditor"],
        role=Role.AUDITOR,
        full_name="Phạm Thu Hà",
    )
    for site in sites:
        for product, prefix in PRODUCTS:
            create_lot(
                session,
                facility=site,
                number=f"{prefix}{site.id:02d}21",
                product_code=product,
                expires_on=now.date() + timedelta(days=180),
                quantity=5000,
            )
    nurse_actor = Actor(nurse.id, nurse.username, Role.SITE_STAFF, sites[0].id, PROVINCE)
    admin_actor = Actor(padmin.id, padmin.username, Role.PROVINCIAL_ADMIN, None, PROVINCE)
    doses = 0
    for i in range(persons):
        male = rng.random() < 0.5
        born = date(rng.randint(1940, 2009), rng.randint(1, 12), rng.randint(1, 28))
        name = " ".join(
            [
                rng.choice(FAMILY),
                rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE),
                rng.choice(GIVEN_MALE if male else GIVEN_FEMALE),
            ]
        )
        person = check_in(
            session,
            nurse_actor,
            PersonData(
                "cccd",
                cccd_number(rng, born, male),
                name,
                born.isoformat(),
                "male" if male else "female",
                commune_code=rng.choice(tam_duong).code,
                phone=f"09{rng.randrange(10**8):08d}",
            ),
            now,
        ).person
        if rng.random() < 0.9:
            set_verification(
                session, admin_actor, person.id, VerificationStatus.VERIFIED, None, now
            )
        product, prefix = rng.choice(PRODUCTS)
        for n in range(1, rng.choice([1, 2, 2, 3]) + 1):
            given_on = (now - timedelta(days=200 - 60 * n + rng.randrange(20))).date()
            record_screening(
                session,
                nurse_actor,
                person_id=person.id,
                facility_id=sites[0].id,
                outcome=ScreeningOutcome.ELIGIBLE,
                reasons=[],
                now=datetime.combine(given_on, datetime.min.time(), UTC),
            )
            record_dose(
                session,
                nurse_actor,
                DoseData(
                    f"seed-{i}-{n}",
                    person.id,
                    sites[0].id,
                    f"{prefix}{sites[0].id:02d}21",
                    product,
                    n,
                    given_on,
                ),
                now,
            )
            doses += 1
    return SeedResult(len(sites), persons, doses, passwords)
