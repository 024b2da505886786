"""duplicates and blocklist

Revision ID: c3e6a9122738
Revises: b2d5f8011627
Create Date: 2026-11-29 12:20:00

Orders note the open order they may duplicate and whether their number is blocked; the
blocked numbers, per reseller or for everyone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e6a9122738"
down_revision: str | None = "b2d5f8011627"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocked_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reseller_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_blocked_phones_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reseller_id"],
            ["resellers.id"],
            name=op.f("fk_blocked_phones_reseller_id_resellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_phones")),
    )
    with op.batch_alter_table("blocked_phones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blocked_phones_reseller_id"), ["reseller_id"], unique=False
        )
        batch_op.create_index(
            "uq_blocked_phones_phone_reseller_id", ["phone", "reseller_id"], unique=True
        )
        batch_op.create_index(
            "uq_blocked_phones_phone_global",
            ["phone"],
            unique=True,
            sqlite_where=sa.text("reseller_id IS NULL"),
            postgresql_where=sa.text("reseller_id IS NULL"),
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("possible_duplicate_of", sa.String(length=48), nullable=True))
        batch_op.add_column(
            sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("blocked_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_reseller_id_customer_phone_created_at",
            ["reseller_id", "customer_phone", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_orders_possible_duplicate_reseller_id_created_at",
            ["reseller_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("possible_duplicate_of IS NOT NULL"),
            postgresql_where=sa.text("possible_duplicate_of IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_orders_blocked_reseller_id_created_at",
            ["reseller_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("blocked = 1"),
            postgresql_where=sa.text("blocked"),
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_blocked_reseller_id_created_at")
        batch_op.drop_index("ix_orders_possible_duplicate_reseller_id_created_at")
        batch_op.drop_index("ix_orders_reseller_id_customer_phone_created_at")
        batch_op.drop_column("blocked_reason")
        batch_op.drop_column("blocked")
        batch_op.drop_column("possible_duplicate_of")
    with op.batch_alter_table("blocked_phones", schema=None) as batch_op:
        batch_op.drop_index("uq_blocked_phones_phone_global")
        batch_op.drop_index("uq_blocked_phones_phone_reseller_id")
        batch_op.drop_index(batch_op.f("ix_blocked_phones_reseller_id"))
    op.drop_table("blocked_phones")
