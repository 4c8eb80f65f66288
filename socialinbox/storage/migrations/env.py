"""Alembic environment: the connection is handed in by ``storage.migrate``; no logging config is touched."""

from alembic import context

from socialinbox.storage.models import METADATA


def _described_by_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Full-text search objects are written by hand (migration 0005): autogenerate must neither drop nor add them."""
    return not (name or "").startswith(("message_fts", "ix_message_search"))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode moves and copies
    compare_type=True,
    include_name=_described_by_models,
)
with context.begin_transaction():
    context.run_migrations()
