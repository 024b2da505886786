"""call attempts reseller

Revision ID: 8c3f5a1d7e24
Revises: 7e2b4d9a1c58
Create Date: 2026-12-04 18:00:00

Each call attempt keeps its order's reseller, indexed with the attempt's time: a reseller's call
figures over a period (``GET /stats/calls``) read that reseller's attempts of the period from
the index instead of every reseller's attempts joined to their orders. An order never changes
reseller, so the copy cannot drift. The backfill takes it from each attempt's order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c3f5a1d7e24"
down_revision: str | None = "7e2b4d9a1c58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("call_attempts", sa.Column("reseller_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE call_attempts SET reseller_id ="
        " (SELECT orders.reseller_id FROM orders WHERE orders.id = call_attempts.order_id)"
    )
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.alter_column("reseller_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_call_attempts_reseller_id_resellers"),
            "resellers",
            ["reseller_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_call_attempts_reseller_id_created_at", ["reseller_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_call_attempts_reseller_id_created_at")
        batch_op.drop_constraint(
            batch_op.f("fk_call_attempts_reseller_id_resellers"), type_="foreignkey"
        )
        batch_op.drop_column("reseller_id")
