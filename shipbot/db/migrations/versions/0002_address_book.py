"""Address book: saved addresses per user.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_addresses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("label", sa.String(30), nullable=False),
        sa.Column("name", sa.String(35), nullable=False),
        sa.Column("company", sa.String(35), nullable=True),
        sa.Column("street1", sa.String(35), nullable=False),
        sa.Column("street2", sa.String(35), nullable=True),
        sa.Column("city", sa.String(30), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("zip", sa.String(10), nullable=False),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("is_default_sender", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "label", name="uq_saved_addresses_user_label"),
    )
    op.create_index("ix_saved_addresses_user_id", "saved_addresses", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_addresses_user_id", table_name="saved_addresses")
    op.drop_table("saved_addresses")
