"""order version

Revision ID: b2d5f8011627
Revises: a1c4e7f00316
Create Date: 2026-11-29 12:10:00

Each order carries a version, bumped by every write of its row: the ETag of its answers, and
what `If-Match` compares. An edit's history line lists the fields it changed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d5f8011627"
down_revision: str | None = "a1c4e7f00316"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The default stays: rows inserted in plain SQL (the bench's data sets) start at 1 too.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("order_status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_status_changes", schema=None) as batch_op:
        batch_op.drop_column("changes")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("version")
