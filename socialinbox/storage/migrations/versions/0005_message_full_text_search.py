"""full-text search over messages: FTS5 on SQLite, a GIN text index on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 02:00:00

SQLite: ``message_fts`` is an FTS5 *external-content* table over ``message`` (the text is not stored twice), kept
in step by three triggers, plus a narrow index that takes a match to its conversation without reading the message
row (storage/search.py names it: four times faster than the table lookup). A later migration that rebuilds ``message`` in batch mode (copy and move) drops these
triggers with the old table: it must create them again (tests/storage/test_search.py checks they exist at head).

PostgreSQL: an expression GIN index over the same text; ``storage/search.py`` queries with the same expression.
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Column weights for bm25: a word in the customer's name or handle counts more than one in a long message.
SQLITE_UP = (
    "CREATE VIRTUAL TABLE message_fts USING fts5(text, author_name, author_handle, content='message', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO message_fts(message_fts, rank) VALUES ('rank', 'bm25(1.0, 2.0, 2.0)')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, text, author_name, author_handle) "
    "VALUES (new.id, new.text, new.author_name, new.author_handle); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text, author_name, author_handle) "
    "VALUES ('delete', old.id, old.text, old.author_name, old.author_handle); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text, author_name, author_handle ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text, author_name, author_handle) "
    "VALUES ('delete', old.id, old.text, old.author_name, old.author_handle); "
    "INSERT INTO message_fts(rowid, text, author_name, author_handle) "
    "VALUES (new.id, new.text, new.author_name, new.author_handle); END",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",  # index what is stored already
    "CREATE INDEX ix_message_search_conversation ON message (id, conversation_id)",
)
SQLITE_DOWN = (
    "DROP INDEX IF EXISTS ix_message_search_conversation",
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "DROP TRIGGER IF EXISTS message_fts_insert",
    "DROP TABLE IF EXISTS message_fts",
)
POSTGRES_UP = (
    "CREATE INDEX ix_message_search ON message USING gin (to_tsvector('simple', "
    "coalesce(author_name, '') || ' ' || coalesce(author_handle, '') || ' ' || coalesce(text, '')))",
)
POSTGRES_DOWN = ("DROP INDEX IF EXISTS ix_message_search",)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == 'sqlite' else POSTGRES_UP if dialect == 'postgresql' else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == 'sqlite' else POSTGRES_DOWN if dialect == 'postgresql' else ():
        op.execute(statement)
