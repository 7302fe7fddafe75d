"""The registry's tables (SQLAlchemy 2, typed). Schema changes go through Alembic migrations.

The same models run on SQLite (the embedded default) and PostgreSQL (production, tests).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from issuer.domain import CertificateStatus, SignState, VerificationStatus


class Base(DeclarativeBase):
    """The declarative base of every registry table."""


class Person(Base):
    """Someone vaccinated, or to be."""

    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("document_kind", "document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_kind: Mapped[str] = mapped_column(String(10))  # cccd, cmnd, passport
    document_number: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(80))
    given_name: Mapped[str] = mapped_column(String(80))
    family_name_t: Mapped[str] = mapped_column(String(80))
    given_name_t: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[str] = mapped_column(String(10))  # YYYY, YYYY-MM or YYYY-MM-DD
    sex: Mapped[str] = mapped_column(String(10))
    nationality: Mapped[str] = mapped_column(String(2), default="VN")
    commune_code: Mapped[str | None] = mapped_column(String(10))
    # the province that owns the record: of the commune, else of the site that registered it
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    verification: Mapped[str] = mapped_column(String(12), default=VerificationStatus.UNVERIFIED)
    mismatched_fields: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    doses: Mapped[list[Dose]] = relationship(back_populates="person", order_by="Dose.dose_number")


class CheckIn(Base):
    """A person presenting at a site: what lets the site act for them (`issuer.services.scope`).

    `identity_matched` says whether the identity presented (the CCCD QR, or what staff typed)
    agreed with the registered one; only a matching check-in opens the full record to the site.
    """

    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_person_facility", "person_id", "facility_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    identity_matched: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IndustrialZone(Base):
    """An industrial zone (khu công nghiệp) of a province, which facilities may belong to.

    A row of its own rather than a free-text field on the facility: letter 003 reports doses
    given and entered "per district or industrial zone", so the zone is a key that figures are
    grouped by, and a name typed afresh on every facility would split one zone into several
    ("KCN Bắc Thăng Long", "KCN  Bắc Thăng Long"). `issuer.services.facilities` finds the
    zone by its name (spacing and Unicode form normalised) within the facility's province, or
    adds it: the forms stay a text field, the reports get one row per zone.
    """

    __tablename__ = "industrial_zones"
    __table_args__ = (UniqueConstraint("province_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(120))


class Facility(Base):
    """An injection site (cơ sở tiêm chủng), fixed or mobile.

    Its code and province never change once created (`issuer.services.reference_cache` keeps
    them per process, and the scope of every account of the site follows the province).
    """

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(10))
    mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    industrial_zone_id: Mapped[int | None] = mapped_column(ForeignKey("industrial_zones.id"))


class Staff(Base):
    """A staff account."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    facility: Mapped[Facility | None] = relationship()


class Team(Base):
    """An injection team (ê kíp tiêm chủng) of one facility, for a session or a mobile round."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    name: Mapped[str] = mapped_column(String(80))

    members: Mapped[list[TeamMember]] = relationship(cascade="all, delete-orphan")


class TeamMember(Base):
    """A staff account's role in a team."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))


class ApiToken(Base):
    """A bearer token (only its SHA-256 is stored)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    staff: Mapped[Staff] = relationship()


class LoginFailure(Base):
    """A failed login, kept for the throttle's window (`issuer.services.auth`), then purged.

    The address is the client's as the server saw it; the username is what was typed (it may
    name no account). No password, right or wrong, is ever stored.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username", "username", "at"),
        Index("ix_login_failures_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VaccineProduct(Base):
    """A vaccine the campaign uses, with its EU value-set codes."""

    __tablename__ = "vaccine_products"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # mp
    name_vi: Mapped[str] = mapped_column(String(120))
    prophylaxis: Mapped[str] = mapped_column(String(20))  # vp
    manufacturer: Mapped[str] = mapped_column(String(40))  # ma
    primary_doses: Mapped[int] = mapped_column(Integer)


class Lot(Base):
    """A vaccine lot as received by one facility."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("facility_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    product_code: Mapped[str] = mapped_column(ForeignKey("vaccine_products.code"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    expires_on: Mapped[date] = mapped_column(Date)
    quantity_received: Mapped[int] = mapped_column(Integer)


class LotTransfer(Base):
    """Doses of one lot moved from one facility's stock to another's (`issuer.services.lots`).

    Both ends are lots of the same number, product and expiry; the facilities are theirs. The
    stock of a lot is its receipts, plus what came in, minus what went out and was administered.
    """

    __tablename__ = "lot_transfers"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_lot_transfers_quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    to_lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Screening(Base):
    """A screening before a dose."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Dose(Base):
    """One dose given. Written once: the idempotency key makes a retried request a no-op."""

    __tablename__ = "doses"
    __table_args__ = (
        Index("ix_doses_sign_state", "sign_state", "id"),
        Index("ix_doses_facility_state", "facility_id", "sign_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("vaccine_products.code"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    dose_number: Mapped[int] = mapped_column(Integer)
    given_on: Mapped[date] = mapped_column(Date)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    probable_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("doses.id"))
    sign_state: Mapped[str] = mapped_column(String(10), default=SignState.WAITING)
    # why a WAITING dose of a verified person could not be signed (e.g. a name with no MRZ form)
    sign_refusal: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship(back_populates="doses")
    lot: Mapped[Lot] = relationship()
    facility: Mapped[Facility] = relationship()


class AdverseEvent(Base):
    """A reaction after a dose (phản ứng sau tiêm)."""

    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dose_id: Mapped[int] = mapped_column(ForeignKey("doses.id"), index=True)
    severity: Mapped[str] = mapped_column(String(12))  # common, serious
    anaphylaxis_grade: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Certificate(Base):
    """A signed vaccination certificate for one dose."""

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_dose", "dose_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dose_id: Mapped[int] = mapped_column(ForeignKey("doses.id"))
    uvci: Mapped[str] = mapped_column(String(50), unique=True)
    dsc_kid: Mapped[str] = mapped_column(String(16))  # hex
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hc1: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=CertificateStatus.VALID)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    # set when the status leaves VALID (superseded by a correction, or revoked)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(60))
    revocation_reason: Mapped[str | None] = mapped_column(String(200))

    dose: Mapped[Dose] = relationship()


class AuditRecord(Base):
    """One line of the append-only, hash-chained audit log (`issuer.services.audit`).

    Inserted unchained with the change it records; `seq`, `prev_hash` and `hash` are set once,
    when it is sealed into the chain.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)
