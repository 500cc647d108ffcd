"""The operator's decision on a refused refund: a goodwill credit or closed, when, by whom,
and the note.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = (
    ("decision", sa.String(16)),
    ("decided_at", sa.DateTime(timezone=True)),
    ("decided_by", sa.String(64)),
    ("note", sa.Text()),
)


def upgrade() -> None:
    # Plain ADD COLUMNs, not a batch copy: SQLite alters `refunds` in place.
    for name, type_ in COLUMNS:
        op.add_column("refunds", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place.
    for name, _type in reversed(COLUMNS):
        op.drop_column("refunds", name)
