"""Alembic environment: the connection is handed in by ``storage.migrate``; no logging config is touched."""

from alembic import context

from socialinbox.storage.models import METADATA

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode moves and copies
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
