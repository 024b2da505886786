"""orders sort indexes

Revision ID: 7c2d9e4a5f18
Revises: d4f7b0233849
Create Date: 2026-11-29 14:00:00

A reseller's orders list sorted by total, last update, customer name or status (each with the
id as tie-break, as the list orders them) reads its page from ``(reseller_id, <column>, id)``
instead of reading and sorting every order of the reseller for each page.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c2d9e4a5f18"
down_revision: str | None = "d4f7b0233849"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTED_BY = ("total", "updated_at", "customer_name", "status")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in _SORTED_BY:
            batch_op.create_index(
                f"ix_orders_reseller_id_{column}_id", ["reseller_id", column, "id"], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in _SORTED_BY:
            batch_op.drop_index(f"ix_orders_reseller_id_{column}_id")
