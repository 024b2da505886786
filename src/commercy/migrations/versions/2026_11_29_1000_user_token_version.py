"""user token version

Revision ID: 2f6a9d31c8e4
Revises: 1512377a131c
Create Date: 2026-11-29 10:00:00

Each token carries its user's token version; a password change or a disable/enable moves it
on, which ends the tokens issued before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2f6a9d31c8e4"
down_revision: str | None = "1512377a131c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("token_version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("token_version")
