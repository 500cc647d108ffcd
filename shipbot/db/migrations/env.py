"""Alembic environment: runs on the connection handed in by `shipbot.db.migrate`."""

from alembic import context

from shipbot.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
