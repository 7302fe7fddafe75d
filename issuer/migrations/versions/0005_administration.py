"""Administration: industrial zones that facilities may belong to, lot transfers between
facilities, and adverse events found by the date they were reported.

No backfill: existing facilities belong to no industrial zone, no lot was ever transferred.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ZONE_FK = "fk_facilities_industrial_zone_id"


def upgrade() -> None:
    op.create_table(
        "industrial_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("province_code", "name"),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("industrial_zone_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(_ZONE_FK, "industrial_zones", ["industrial_zone_id"], ["id"])
    op.create_table(
        "lot_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_lot_id", sa.Integer(), nullable=False),
        sa.Column("to_lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_lot_transfers_quantity"),
        sa.ForeignKeyConstraint(["from_lot_id"], ["lots.id"]),
        sa.ForeignKeyConstraint(["to_lot_id"], ["lots.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_lot_transfers_from_lot_id", "lot_transfers", ["from_lot_id"])
    op.create_index("ix_lot_transfers_to_lot_id", "lot_transfers", ["to_lot_id"])
    op.create_index("ix_adverse_events_reported_at", "adverse_events", ["reported_at"])


def downgrade() -> None:
    op.drop_index("ix_adverse_events_reported_at", table_name="adverse_events")
    op.drop_index("ix_lot_transfers_to_lot_id", table_name="lot_transfers")
    op.drop_index("ix_lot_transfers_from_lot_id", table_name="lot_transfers")
    op.drop_table("lot_transfers")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_constraint(_ZONE_FK, type_="foreignkey")
        batch_op.drop_column("industrial_zone_id")
    op.drop_table("industrial_zones")
