"""orders page indexes

Revision ID: 7c2d9e4a5f18
Revises: d4f7b0233849
Create Date: 2026-11-29 14:00:00

Indexes for the web app's pages (the API's lists share their statements):

- A reseller's orders list sorted by total, last update, customer name or status (each with
  the id as tie-break, as the list orders them) reads its page from
  ``(reseller_id, <column>, id)`` instead of reading and sorting every order of the reseller.
- An admin's list (every reseller, newest first) reads its page from ``(created_at, id)``
  instead of sorting the whole table.
- The agent's screen finds the order the agent holds a claim on from a partial index of the
  claimed orders, instead of reading every order of the reseller.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2d9e4a5f18"
down_revision: str | None = "d4f7b0233849"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTED_BY = ("total", "updated_at", "customer_name", "status")
_CLAIMED = "claimed_by_user_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in _SORTED_BY:
            batch_op.create_index(
                f"ix_orders_reseller_id_{column}_id", ["reseller_id", column, "id"], unique=False
            )
        batch_op.create_index("ix_orders_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_orders_claimed_by_user_id_claim_expires_at",
            ["claimed_by_user_id", "claim_expires_at"],
            unique=False,
            sqlite_where=sa.text(_CLAIMED),
            postgresql_where=sa.text(_CLAIMED),
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_claimed_by_user_id_claim_expires_at")
        batch_op.drop_index("ix_orders_created_at_id")
        for column in _SORTED_BY:
            batch_op.drop_index(f"ix_orders_reseller_id_{column}_id")
