"""accent-blind full-text search on PostgreSQL, as on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:30:00

Migration 0005 indexed PostgreSQL's text with the ``simple`` configuration, which folds case but keeps accents: an
owner typing "cafe" did not find "café", nor "zoe martin" the customer Zoë Martín, where SQLite's FTS5 (with
``remove_diacritics``) finds both. The ``socialinbox_search`` configuration is ``simple`` with the ``unaccent``
dictionary before it, the combination PostgreSQL's documentation gives (F.47, unaccent). ``unaccent`` ships with
PostgreSQL and is a trusted extension (13 and later): the owner of the team's database may create it.

SQLite: nothing to do (its index already ignores accents); the revision only moves the schema's version on.
"""

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CONFIGURATION = "socialinbox_search"  # storage/search.py queries with the same name
_DOCUMENT = "coalesce(author_name, '') || ' ' || coalesce(author_handle, '') || ' ' || coalesce(text, '')"
POSTGRES_UP = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = simple)",
    # The token types that can carry accents; ASCII words (asciiword, asciihword...) have none to remove.
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple",
    "DROP INDEX IF EXISTS ix_message_search",
    f"CREATE INDEX ix_message_search ON message USING gin (to_tsvector('{CONFIGURATION}', {_DOCUMENT}))",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_message_search",
    f"CREATE INDEX ix_message_search ON message USING gin (to_tsvector('simple', {_DOCUMENT}))",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIGURATION}",
)  # the extension stays: something else in the database may have come to use it


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_DOWN:
            op.execute(statement)
