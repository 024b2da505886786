"""orders admin and supplier sort indexes

Revision ID: 4e7b1d9a3c62
Revises: 9d4a6c2e8b17
Create Date: 2026-12-04 11:10:00

An admin's list (every order) and a supplier's (its orders) sorted by total, last update,
customer name or status read their page from ``(<column>, id)`` and
``(supplier_id, <column>, id)``, as the reseller's do from ``(reseller_id, <column>, id)``,
instead of sorting every order they see for each page. The admin's ``(status, id)`` replaces the
plain ``status`` index, which it covers, so the admin's sorts add three indexes, the supplier's
four.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4e7b1d9a3c62"
down_revision: str | None = "9d4a6c2e8b17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTED_BY = ("total", "updated_at", "customer_name", "status")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status")
        for column in _SORTED_BY:
            batch_op.create_index(f"ix_orders_{column}_id", [column, "id"], unique=False)
            batch_op.create_index(
                f"ix_orders_supplier_id_{column}_id", ["supplier_id", column, "id"], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in _SORTED_BY:
            batch_op.drop_index(f"ix_orders_supplier_id_{column}_id")
            batch_op.drop_index(f"ix_orders_{column}_id")
        batch_op.create_index("ix_orders_status", ["status"], unique=False)
