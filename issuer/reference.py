"""Reference data and set-up helpers: vaccine products, facilities, staff, lots.

Used by `vaxpass seed-demo`, the admin commands and the tests (factories, not mocks).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcert import valuesets
from issuer import admin_units
from issuer.domain import Role
from issuer.models import Facility, Lot, Staff, VaccineProduct
from issuer.passwords import hash_password


def ensure_vaccine_products(session: Session) -> list[VaccineProduct]:
    """Insert the vaccine products of our value-set data that are not there yet."""
    known = set(session.scalars(select(VaccineProduct.code)))
    added = []
    for p in valuesets.all_vaccine_products():
        if p.code not in known:
            product = VaccineProduct(
                code=p.code,
                name_vi=p.name_vi,
                prophylaxis=p.prophylaxis,
                manufacturer=p.manufacturer,
                primary_doses=p.primary_series_doses,
            )
            session.add(product)
            added.append(product)
    session.flush()
    return added


def create_facility(
    session: Session,
    *,
    code: str,
    name: str,
    province_code: str,
    commune_code: str | None = None,
    mobile: bool = False,
) -> Facility:
    """A new injection site.

    Raises:
        ValueError: `commune_code` is not a GSO commune of `province_code`.
    """
    if commune_code is not None and admin_units.province_of_commune(commune_code) != (
        admin_units.province(province_code)
    ):
        raise ValueError(f"commune {commune_code} is not a commune of province {province_code}")
    facility = Facility(
        code=code, name=name, province_code=province_code, commune_code=commune_code, mobile=mobile
    )
    session.add(facility)
    session.flush()
    return facility


def create_staff(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
    facility: Facility | None = None,
    province_code: str | None = None,
) -> Staff:
    """A new staff account (the password is stored as a scrypt hash only)."""
    staff = Staff(
        username=username,
        full_name=full_name or username,
        password_hash=hash_password(password),
        role=role,
        facility_id=facility.id if facility else None,
        province_code=province_code or (facility.province_code if facility else None),
    )
    session.add(staff)
    session.flush()
    return staff


def create_lot(
    session: Session,
    *,
    facility: Facility,
    number: str,
    product_code: str,
    expires_on: date,
    quantity: int,
) -> Lot:
    """A lot received by `facility`."""
    lot = Lot(
        number=number,
        product_code=product_code,
        facility_id=facility.id,
        expires_on=expires_on,
        quantity_received=quantity,
    )
    session.add(lot)
    session.flush()
    return lot
