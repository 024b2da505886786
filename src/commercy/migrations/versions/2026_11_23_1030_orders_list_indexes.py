"""orders list indexes

Revision ID: 5b8e2f4c1a93
Revises: 06cdaa7d5c19
Create Date: 2026-11-23 10:30:00

A reseller's list filtered by status reads only the matching entries of
``(reseller_id, status, created_at)``. On PostgreSQL, the search (``ILIKE '%term%'`` on the
customer's name and the order number, ``LIKE '%digits%'`` on the phones) uses a trigram GIN
index over those four columns instead of reading every order of the scope; SQLite has no such
index type and keeps scanning.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b8e2f4c1a93"
down_revision: str | None = "06cdaa7d5c19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEARCH_COLUMNS = ("customer_name", "order_number", "customer_phone", "customer_phone2")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_reseller_id_status_created_at",
            ["reseller_id", "status", "created_at"],
            unique=False,
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_orders_search_trgm",
            "orders",
            list(_SEARCH_COLUMNS),
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops" for column in _SEARCH_COLUMNS},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_orders_search_trgm", table_name="orders")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_reseller_id_status_created_at")
