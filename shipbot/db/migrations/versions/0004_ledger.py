"""Balance ledger: append-only entries with unique idempotency keys, and balances that can
never be negative.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _user_id(**extra) -> sa.Column:
    return sa.Column(
        "user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="RESTRICT"), **extra
    )


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_id(nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(96), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ledger_entries_user_id", "ledger_entries", ["user_id", "id"])
    op.create_table(
        "balances",
        _user_id(primary_key=True),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cents >= 0", name="ck_balances_not_negative"),
    )


def downgrade() -> None:
    op.drop_table("balances")
    op.drop_index("ix_ledger_entries_user_id", table_name="ledger_entries")
    op.drop_table("ledger_entries")
