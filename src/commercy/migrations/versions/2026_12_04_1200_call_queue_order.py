"""call queue order

Revision ID: 5d7a2c9e4b13
Revises: 4e7b1d9a3c62
Create Date: 2026-12-04 12:00:00

The call queue in the order it is served. ``POST /calls/next`` took the first order by rank
(callbacks, new orders, retries) and due time, two expressions no index could give: each claim
read and sorted the reseller's whole queue. Each order now carries its rank (null when it is
not waiting to be called) and its due time as generated columns, computed by the database from
the status, ``blocked``, ``next_call_at`` and ``created_at`` on every write, and a partial
index over the waiting orders in that order makes the claim a walk of a few index entries.
It replaces ``ix_orders_call_queue`` (reseller, status, next call time), which no query needs
any more.

Adding stored columns rewrites ``orders``: under an exclusive lock on PostgreSQL; SQLite, which
cannot add one to a table, gets a copy of the table with them (Alembic's batch). A later batch
that copies ``orders`` on SQLite must drop the two columns first and add them back after:
Alembic's copy would insert into them, which SQLite refuses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d7a2c9e4b13"
down_revision: str | None = "4e7b1d9a3c62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rank as the models declare it (commercy.orders.models.CALL_RANK) on the day of this
# migration: a later change of the rule is a migration of its own.
_CALL_RANK = (
    "CASE WHEN blocked THEN NULL"
    " WHEN status IN ('rapported', 'more_information') THEN 0"
    " WHEN status = 'pending' THEN 1"
    " WHEN status IN ('not_reached', 'phone_closed', 'not_available') THEN 2 END"
)


def upgrade() -> None:
    # Stored, so indexed on every PostgreSQL (from version 18 the default is virtual, which
    # cannot be). SQLite cannot add a stored column to a table: the batch copies the table.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("call_rank", sa.Integer(), sa.Computed(_CALL_RANK, persisted=True))
        )
        batch_op.add_column(
            sa.Column(
                "call_due_at",
                sa.DateTime(timezone=True),
                sa.Computed("coalesce(next_call_at, created_at)", persisted=True),
            )
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_call_queue_order",
            ["reseller_id", "call_rank", "call_due_at", "id"],
            unique=False,
            sqlite_where=sa.text("call_rank IS NOT NULL"),
            postgresql_where=sa.text("call_rank IS NOT NULL"),
        )
        batch_op.drop_index("ix_orders_call_queue")


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_call_queue", ["reseller_id", "status", "next_call_at"], unique=False
        )
        batch_op.drop_index("ix_orders_call_queue_order")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("call_due_at")
        batch_op.drop_column("call_rank")
