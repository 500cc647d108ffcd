"""Payment reports held for the operator's review: what was not credited, why, and what the
operator was told.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as invoices:
        invoices.add_column(
            sa.Column("held_cents", sa.BigInteger(), nullable=False, server_default="0")
        )
        invoices.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
        invoices.add_column(sa.Column("told_review", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as invoices:
        invoices.drop_column("told_review")
        invoices.drop_column("review_reason")
        invoices.drop_column("held_cents")
