"""R6: databases created by every earlier schema version, opened by this version of the app.

For each revision in the migration history a fresh database is upgraded step by step to that revision, filled with
rows in every table, then opened the way the app opens it (``upgrade_with_backup``): every row must still be there
with every value it had, and the app must read them. A failed upgrade must leave the original exactly as it was and
say so.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from socialinbox.storage import migrate
from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.paging import InboxView
from socialinbox.storage.problems import StorageProblem, StorageUnavailable
from socialinbox.storage.repository import Repository
from socialinbox.wiring import upgrade_with_backup
from tests.reliability.schema_rows import columns_of, fill, revisions_oldest_first, snapshot, upgrade_to

HISTORY = revisions_oldest_first()
EARLIER = HISTORY[:-1]


@pytest.mark.parametrize(
    "revision",
    EARLIER
    or [
        pytest.param(
            "none",
            marks=pytest.mark.skip(reason="only one revision exists: there is no earlier schema to upgrade from yet"),
        )
    ],
)
def test_database_from_an_earlier_version_keeps_every_row_when_opened(revision: str, tmp_path: Path) -> None:
    database = tmp_path / "inbox.sqlite3"
    engine = make_engine(sqlite_url(database))
    upgrade_to(engine, revision)
    before = fill(engine)
    then = columns_of(engine)
    upgrade_with_backup(engine, database)
    after = snapshot(engine, then)
    for table, rows in before.items():
        assert after.get(table) == rows, f"rows of {table} changed or went missing going from {revision} to head"
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HISTORY[-1]
    _app_reads_everything(Repository(engine))
    assert (tmp_path / "inbox.sqlite3.before-upgrade").exists(), "no backup was taken before upgrading"
    engine.dispose()


def test_rows_written_at_the_newest_version_read_back_through_the_app(tmp_path: Path) -> None:
    """The same filler at head: proves it writes rows the app can read, so the upgrades above test something."""
    engine = make_engine(sqlite_url(tmp_path / "inbox.sqlite3"))
    upgrade_to(engine, "head")
    before = fill(engine)
    assert all(len(rows) > 0 for rows in before.values())
    _app_reads_everything(Repository(engine))
    engine.dispose()


def _app_reads_everything(repository: Repository) -> None:
    assert len(repository.accounts()) > 0
    conversations = [c for view in InboxView for c in repository.conversations(view, limit=500)]
    assert conversations, "the app sees no conversation in the upgraded database"
    for conversation in conversations:
        repository.messages(conversation.id)
    repository.outbox()


FAILING_REVISION = '''
"""a migration that breaks half-way: damage first, then an error"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM message")
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("half_done", sa.Integer(), nullable=True))
    raise RuntimeError("the upgrade broke half-way")


def downgrade() -> None:
    pass
'''


def test_failed_upgrade_restores_the_original_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "inbox.sqlite3"
    engine = make_engine(sqlite_url(database))
    upgrade_to(engine, "head")
    before = fill(engine)
    original_columns = columns_of(engine)
    broken = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "versions" / "9999_breaks.py").write_text(textwrap.dedent(FAILING_REVISION.format(head=HISTORY[-1])))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", broken)
    monkeypatch.setattr(migrate, "head_revisions", lambda versions=None: frozenset({"9999"}))

    with pytest.raises(StorageUnavailable) as raised:
        upgrade_with_backup(engine, database)
    assert raised.value.problem is StorageProblem.UPGRADE_FAILED
    assert "put back exactly as it was" in str(raised.value) and "nothing was lost" in str(raised.value)
    assert "customers' messages" in str(raised.value), "the backup's path is shown without saying what it holds"

    monkeypatch.undo()
    reopened = make_engine(sqlite_url(database))
    assert columns_of(reopened) == original_columns, "the half-done schema change is still there"
    assert snapshot(reopened) == before, "rows were lost or changed by the failed upgrade"
    with reopened.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HISTORY[-1]
    upgrade_with_backup(reopened, database)  # this version opens it as before
    _app_reads_everything(Repository(reopened))
    reopened.dispose()
