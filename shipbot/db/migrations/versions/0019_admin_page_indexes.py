"""Indexes the admin pages need at 20,000 users and 100,000 orders (benchmarks/admin_pages.py):
order search by tracking number and @username, each user's invoices and refunds, and the
dashboard's per-period user counts answered from the index alone.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# (index, table, columns) replaced by (index, table, columns) that also cover the user.
_COVERING = [
    (
        ("ix_users_created_at", "users", ["created_at"]),
        ("ix_users_created_id", ["created_at", "id"]),
    ),
    (
        ("ix_users_last_seen_at", "users", ["last_seen_at"]),
        ("ix_users_last_seen_id", ["last_seen_at", "id"]),
    ),
    (
        ("ix_rate_quotes_created_at", "rate_quotes", ["created_at"]),
        ("ix_rate_quotes_created_user", ["created_at", "user_id"]),
    ),
    (
        ("ix_orders_created_at", "orders", ["created_at"]),
        ("ix_orders_created_user", ["created_at", "user_id"]),
    ),
    (
        ("ix_invoices_created_at", "invoices", ["created_at"]),
        ("ix_invoices_created_user", ["created_at", "user_id"]),
    ),
    (
        ("ix_refunds_created_at", "refunds", ["created_at"]),
        ("ix_refunds_created_user", ["created_at", "user_id"]),
    ),
]
_NEW = [
    ("ix_orders_tracking_number", "orders", ["tracking_number"]),
    ("ix_invoices_user_created", "invoices", ["user_id", "created_at"]),
    ("ix_refunds_user_created", "refunds", ["user_id", "created_at"]),
]


def upgrade() -> None:
    for (old, table, _), (name, columns) in _COVERING:
        op.create_index(name, table, columns)
        op.drop_index(old, table_name=table)
    for name, table, columns in _NEW:
        op.create_index(name, table, columns)
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")])


def downgrade() -> None:
    op.drop_index("ix_users_username_lower", table_name="users")
    for name, table, _ in _NEW:
        op.drop_index(name, table_name=table)
    for (old, table, columns), (name, _) in _COVERING:
        op.create_index(old, table, columns)
        op.drop_index(name, table_name=table)
