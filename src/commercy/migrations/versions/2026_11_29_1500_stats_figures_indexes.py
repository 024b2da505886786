"""stats figures indexes

Revision ID: 3b8e1f6c2a94
Revises: 7c2d9e4a5f18
Create Date: 2026-11-29 15:00:00

The stats by product (GET /stats/orders?groupBy=product, the dashboard) join the caller's
orders of a period to their lines by ``order_id``. On PostgreSQL the lines' index on
``order_id`` now carries the columns those figures read (product, name, quantity, unit price),
so each order's lines come from the index alone and the planner starts from the orders instead
of reading every line of the table. It replaces the plain ``order_id`` index (same lookups).

The other groupings (day, city, source) and the totals read a reseller's orders of a period
from ``(reseller_id, created_at)``; on PostgreSQL a second such index carries the columns they
read, so they skip the table too. The lean ``ix_orders_reseller_id_created_at`` stays: the
lists' counts read it whole, and a wider index would make them slower.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3b8e1f6c2a94"
down_revision: str | None = "7c2d9e4a5f18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINE_FIGURES = ["product_id", "quantity", "unit_price", "product_name"]
_ORDER_FIGURES = ["id", "status", "total", "customer_city", "source"]


def upgrade() -> None:
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_order_items_order_id_figures",
            ["order_id"],
            unique=False,
            postgresql_include=_LINE_FIGURES,
        )
        batch_op.drop_index("ix_order_items_order_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_reseller_id_created_at_figures",
            ["reseller_id", "created_at"],
            unique=False,
            postgresql_include=_ORDER_FIGURES,
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_reseller_id_created_at_figures")
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index("ix_order_items_order_id", ["order_id"], unique=False)
        batch_op.drop_index("ix_order_items_order_id_figures")
