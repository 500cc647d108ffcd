"""What the user was last told about each invoice, so news a crash kept from them is told later.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as invoices:
        invoices.add_column(
            sa.Column("told_status", sa.String(16), nullable=False, server_default="waiting")
        )
        invoices.add_column(
            sa.Column("told_cents", sa.BigInteger(), nullable=False, server_default="0")
        )
    # Invoices from before were told at the time.
    op.execute("UPDATE invoices SET told_status = status, told_cents = credited_cents")


def downgrade() -> None:
    with op.batch_alter_table("invoices") as invoices:
        invoices.drop_column("told_cents")
        invoices.drop_column("told_status")
