"""The order a top-up was opened for, so the payment brings the user back to it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as invoices:
        invoices.add_column(sa.Column("order_id", sa.String(16), nullable=True))
        invoices.create_foreign_key("fk_invoices_order_id", "orders", ["order_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("invoices") as invoices:
        invoices.drop_constraint("fk_invoices_order_id", type_="foreignkey")
        invoices.drop_column("order_id")
