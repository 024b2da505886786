"""orders scoped search index

Revision ID: 7e2b4d9a1c58
Revises: 5d1c7a9e3b20
Create Date: 2026-12-04 14:00:00

PostgreSQL only. The search's trigram index ``ix_orders_search_trgm`` gets the scope columns
(``reseller_id``, ``supplier_id``) beside the searched ones, through ``btree_gin``: a seller's
search for a name common in other sellers' orders reads only that seller's matches from the
index, where a bitmap of everyone's matches ANDed with the seller's orders read them all. A
multicolumn GIN index serves any subset of its columns equally, so an admin's search (no
scope) reads it as it read the old one, and it stays one index to maintain on a write.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7e2b4d9a1c58"
down_revision: str | None = "5d1c7a9e3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCOPE = ["reseller_id", "supplier_id"]
_SEARCHED = ["customer_name_folded", "order_number", "customer_phone", "customer_phone2"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    _search_index([*_SCOPE, *_SEARCHED])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _search_index(_SEARCHED)
    # The extension stays: another database object may have come to use it.


def _search_index(columns: list[str]) -> None:
    op.drop_index("ix_orders_search_trgm", table_name="orders")
    op.create_index(
        "ix_orders_search_trgm",
        "orders",
        columns,
        unique=False,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops" for column in _SEARCHED if column in columns},
    )
