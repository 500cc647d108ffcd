"""The operator's controls in the bot: maintenance periods and who was told of each, the chats
told that their flood of updates is dropped, and an index to count a chat's recent updates.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "maintenance_notices",
        sa.Column(
            "period_id",
            sa.Integer(),
            sa.ForeignKey("maintenance_periods.id"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "flood_notices",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_processed_updates_chat_processed", "processed_updates", ["chat_id", "processed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_processed_updates_chat_processed", table_name="processed_updates")
    op.drop_table("flood_notices")
    op.drop_table("maintenance_notices")
    op.drop_table("maintenance_periods")
