"""call queue

Revision ID: a1c4e7f00316
Revises: 2f6a9d31c8e4
Create Date: 2026-11-29 12:00:00

The call center: each order's call count, next call time and claim (an agent's lease on it),
indexed for the queue's one query; every call attempt; a reseller's own queue settings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c4e7f00316"
down_revision: str | None = "2f6a9d31c8e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OUTCOMES = (
    "confirmed",
    "canceled",
    "not_reached",
    "phone_closed",
    "rapported",
    "more_information",
    "not_available",
    "abandoned",
    "not_interested",
)


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("call_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_claimed_by_user_id_users"),
            "users",
            ["claimed_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_orders_call_queue", ["reseller_id", "status", "next_call_at"], unique=False
        )

    op.create_table(
        "call_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("agent_user_id", sa.Integer(), nullable=True),
        sa.Column("agent_label", sa.String(length=400), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(*_OUTCOMES, name="calloutcome", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_user_id"],
            ["users.id"],
            name=op.f("fk_call_attempts_agent_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_call_attempts_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_attempts")),
    )
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_attempts_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_attempts_agent_user_id"), ["agent_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_attempts_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "call_settings",
        sa.Column("reseller_id", sa.Integer(), nullable=False),
        sa.Column("retry_delays_minutes", sa.JSON(), nullable=True),
        sa.Column("max_unreached_attempts", sa.Integer(), nullable=True),
        sa.Column("whatsapp_grace_minutes", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reseller_id"],
            ["resellers.id"],
            name=op.f("fk_call_settings_reseller_id_resellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reseller_id", name=op.f("pk_call_settings")),
    )


def downgrade() -> None:
    op.drop_table("call_settings")
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_attempts_created_at"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_agent_user_id"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_order_id"))
    op.drop_table("call_attempts")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_call_queue")
        batch_op.drop_constraint(
            batch_op.f("fk_orders_claimed_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claimed_by_user_id")
        batch_op.drop_column("next_call_at")
        batch_op.drop_column("call_attempts")
