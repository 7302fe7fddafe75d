"""Scope and one revocation truth: check-ins, a person's owning province, why a dose waits,
who revoked a certificate and why; failed logins for the throttle.

Existing rows are backfilled: a person's province from their commune (GSO codes), else from the
facility of their first dose; a screening at a site counts as a matching check-in there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer import admin_units

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("identity_matched", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_check_ins_person_facility", "check_ins", ["person_id", "facility_id"])
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
        batch_op.create_index("ix_persons_province_code", ["province_code"])
    with op.batch_alter_table("doses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sign_refusal", sa.String(length=200), nullable=True))
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("revocation_reason", sa.String(length=200), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_username", "login_failures", ["username", "at"])
    op.create_index("ix_login_failures_address", "login_failures", ["address", "at"])
    op.create_index("ix_api_tokens_expires_at", "api_tokens", ["expires_at"])
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    persons = sa.table(
        "persons",
        sa.column("id", sa.Integer),
        sa.column("commune_code", sa.String),
        sa.column("province_code", sa.String),
    )
    communes = bind.execute(
        sa.select(persons.c.commune_code).where(persons.c.commune_code.is_not(None)).distinct()
    ).scalars()
    for code in list(communes):
        province = admin_units.province_of_commune(code)
        if province is not None:
            bind.execute(
                persons.update()
                .where(persons.c.commune_code == code)
                .values(province_code=province.code)
            )
    bind.execute(
        sa.text(
            "UPDATE persons SET province_code = (SELECT f.province_code FROM doses d "
            "JOIN facilities f ON f.id = d.facility_id WHERE d.person_id = persons.id "
            "ORDER BY d.id LIMIT 1) WHERE province_code IS NULL"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO check_ins (person_id, facility_id, staff_id, identity_matched, at) "
            "SELECT person_id, facility_id, staff_id, :yes, MIN(at) FROM screenings "
            "GROUP BY person_id, facility_id, staff_id"
        ),
        {"yes": True},
    )


def downgrade() -> None:
    op.drop_index("ix_api_tokens_expires_at", table_name="api_tokens")
    op.drop_index("ix_login_failures_address", table_name="login_failures")
    op.drop_index("ix_login_failures_username", table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("revocation_reason")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("doses", schema=None) as batch_op:
        batch_op.drop_column("sign_refusal")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_province_code")
        batch_op.drop_column("province_code")
    op.drop_index("ix_check_ins_person_facility", table_name="check_ins")
    op.drop_table("check_ins")
