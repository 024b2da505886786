"""orders folded name

Revision ID: 9d4a6c2e8b17
Revises: 3b8e1f6c2a94
Create Date: 2026-12-04 11:00:00

The search finds ``Hélène`` from ``helene`` (and the other way round): it compares the
customer's name folded (lowercase, accents removed, ``commercy.core.text.folded``) to the term
folded the same way. The folded name is a stored column, written with the name, so that on
PostgreSQL the search's trigram index covers it in place of the raw name (no ``unaccent``
extension needed, and no more index to maintain on a write than before).

The backfill lowercases pure-ASCII names in SQL (the same as folding them) and folds the
others in Python, a batch at a time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commercy.core.text import folded

revision: str = "9d4a6c2e8b17"
down_revision: str | None = "3b8e1f6c2a94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_OTHER_SEARCHED = ["order_number", "customer_phone", "customer_phone2"]


def upgrade() -> None:
    op.add_column("orders", sa.Column("customer_name_folded", sa.Text(), nullable=True))
    _backfill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        _search_index(name_column="customer_name_folded")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _search_index(name_column="customer_name")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("customer_name_folded")


def _search_index(*, name_column: str) -> None:
    columns = [name_column, *_OTHER_SEARCHED]
    op.drop_index("ix_orders_search_trgm", table_name="orders")
    op.create_index(
        "ix_orders_search_trgm",
        "orders",
        columns,
        unique=False,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops" for column in columns},
    )


def _backfill(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        # The C collation's lower() changes ASCII letters only, whatever the database's locale.
        ascii_lower, non_ascii = (
            'lower(customer_name COLLATE "C")',
            "octet_length(customer_name) <> char_length(customer_name)",
        )
    else:
        ascii_lower, non_ascii = (
            "lower(customer_name)",
            "length(CAST(customer_name AS BLOB)) <> length(customer_name)",
        )
    ascii_only = f"NOT ({non_ascii})"
    connection.execute(
        sa.text(f"UPDATE orders SET customer_name_folded = {ascii_lower} WHERE {ascii_only}")
    )
    others = sa.text(
        f"SELECT id, customer_name FROM orders WHERE {non_ascii} AND id > :after"
        " ORDER BY id LIMIT :batch"
    )
    after = 0
    while True:
        rows = connection.execute(others, {"after": after, "batch": _BATCH}).all()
        if not rows:
            return
        connection.execute(
            sa.text("UPDATE orders SET customer_name_folded = :folded WHERE id = :id"),
            [{"id": row.id, "folded": folded(row.customer_name)} for row in rows],
        )
        after = rows[-1].id
