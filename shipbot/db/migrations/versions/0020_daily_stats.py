"""The dashboard's daily roll-up (services/stats_rollup.py): per closed UTC day, the figures
that add up across days, the labels per carrier, the active users and each user's labels and
spend; per calendar month, those users and their labels and spend added up, rebuilt with each
of the month's days; per ISO week, its distinct active users, recounted with each of its days.
Filled by the roll-up job; until it has run, the dashboard reads every day live.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_stats",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("labels_refunded", sa.Integer(), nullable=False),
        sa.Column("refunds_cents", sa.BigInteger(), nullable=False),
        sa.Column("refunds_carrier_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("top_ups_cents", sa.BigInteger(), nullable=False),
        sa.Column("new_users", sa.Integer(), nullable=False),
        sa.Column("rolled_up_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "daily_carrier_stats",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("carrier_code", sa.Text(), primary_key=True),
        sa.Column("carrier_name", sa.Text(), nullable=False),
        sa.Column("labels_sold", sa.Integer(), nullable=False),
        sa.Column("label_charges_cents", sa.BigInteger(), nullable=False),
        sa.Column("carrier_cost_cents", sa.BigInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "daily_active_users",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("week", sa.Date(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_daily_active_users_week_user", "daily_active_users", ["week", "user_id", "day"]
    )
    op.create_index("ix_daily_active_users_user_day", "daily_active_users", ["user_id", "day"])
    op.create_table(
        "daily_user_sales",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("spend_cents", sa.BigInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_daily_user_sales_user_day",
        "daily_user_sales",
        ["user_id", "day", "labels", "spend_cents"],
    )
    op.create_table(
        "monthly_rollups",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("rolled_up_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "monthly_active_users",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "monthly_user_sales",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("spend_cents", sa.BigInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "weekly_active_counts",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("users", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "weekly_active_counts",
        "monthly_user_sales",
        "monthly_active_users",
        "monthly_rollups",
        "daily_user_sales",
        "daily_active_users",
        "daily_carrier_stats",
        "daily_stats",
    ):
        op.drop_table(table)
