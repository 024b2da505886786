"""digishare oauth client credentials

Revision ID: 7d41c0a9e2b6
Revises: 5b8e2f4c1a93
Create Date: 2026-11-29 09:30:00

An integration authenticates with a personal access token or with OAuth2 client credentials;
existing integrations keep their token.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d41c0a9e2b6"
down_revision: str | None = "5b8e2f4c1a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digishare_integrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "auth_method",
                sa.Enum("token", "oauth", name="authmethod", native_enum=False, length=24),
                nullable=False,
                server_default="token",
            )
        )
        batch_op.add_column(sa.Column("client_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("client_secret_sealed", sa.Text(), nullable=True))
        batch_op.alter_column("token_sealed", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("digishare_integrations", schema=None) as batch_op:
        batch_op.alter_column("auth_method", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("digishare_integrations", schema=None) as batch_op:
        batch_op.alter_column("token_sealed", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("client_secret_sealed")
        batch_op.drop_column("client_id")
        batch_op.drop_column("auth_method")
