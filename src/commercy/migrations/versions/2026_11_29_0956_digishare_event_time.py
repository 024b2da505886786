"""digishare event time

Revision ID: 1512377a131c
Revises: 7d41c0a9e2b6
Create Date: 2026-11-29 09:56:00

Each webhook event keeps the time it was ordered by against its ticket's other events, and the
field it was read from (the ticket's or the change's ``updated_at``, ``date_status``, or the
time it was received). Events received before have neither.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1512377a131c"
down_revision: str | None = "7d41c0a9e2b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digishare_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "event_time_source",
                sa.Enum(
                    "data.data.updated_at",
                    "data.changes.updated_at",
                    "data.changes.date_status",
                    "data.data.date_status",
                    "received_at",
                    name="eventtimesource",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("digishare_events", schema=None) as batch_op:
        batch_op.drop_column("event_time_source")
        batch_op.drop_column("event_at")
