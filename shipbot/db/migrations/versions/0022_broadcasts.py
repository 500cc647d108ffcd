"""Broadcasts and their recipients (issue 13).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admin_account_id", sa.Integer()),
        sa.Column("admin_username", sa.String(64)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_kind", sa.String(16)),
        sa.Column("media_name", sa.String(255)),
        sa.Column("media_type", sa.String(127)),
        sa.Column("media_data", sa.LargeBinary()),
        sa.Column("media_file_id", sa.String(255)),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True)),
        sa.Column("next_slot_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_broadcasts_state", "broadcasts", ["state", "id"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "broadcast_id",
            sa.Integer(),
            sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_recipients_user"),
    )
    op.create_index(
        "ix_broadcast_recipients_state", "broadcast_recipients", ["broadcast_id", "state", "id"]
    )


def downgrade() -> None:
    op.drop_table("broadcast_recipients")
    op.drop_table("broadcasts")
