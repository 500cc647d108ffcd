"""Each bought label keeps the last moment it may be voided, fixed when it was bought.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

import json
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The windows in force before they became a setting (SPEC §3.5).
_DAYS = {"usps": 28, "stamps_com": 28, "ups": 90, "fedex": 90}


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("refund_deadline", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    orders = sa.table(
        "orders",
        sa.column("id", sa.String),
        sa.column("rate", sa.JSON),
        sa.column("purchased_at", sa.DateTime(timezone=True)),
        sa.column("refund_deadline", sa.DateTime(timezone=True)),
    )
    bought = bind.execute(
        sa.select(orders.c.id, orders.c.rate, orders.c.purchased_at).where(
            orders.c.purchased_at.is_not(None)
        )
    )
    deadlines = []
    for order_id, rate, purchased_at in bought.all():
        rate = json.loads(rate) if isinstance(rate, str) else rate
        days = _DAYS.get(rate.get("carrier_code", ""), 28)
        deadlines.append({"order_id": order_id, "deadline": purchased_at + timedelta(days=days)})
    if deadlines:  # one statement, executed for every row
        bind.execute(
            orders.update()
            .where(orders.c.id == sa.bindparam("order_id"))
            .values(refund_deadline=sa.bindparam("deadline")),
            deadlines,
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("refund_deadline")
