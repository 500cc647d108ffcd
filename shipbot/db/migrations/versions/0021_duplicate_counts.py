"""Duplicates counted on the record of the update they repeat, so the monitoring page shows
every replica's, over the same window as the updates handled and failed.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates") as table:
        table.add_column(sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("processed_updates") as table:
        table.drop_column("duplicates")
