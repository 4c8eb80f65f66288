"""Start-up checks the schema version cheaply and loads Alembic only when there is something to migrate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import alembic_config, needs_upgrade, upgrade_to_head
from socialinbox.storage.revisions import head_revisions

ROOT = Path(__file__).resolve().parents[2]


def test_the_newest_revision_is_read_from_the_files_as_alembic_reads_it() -> None:
    assert head_revisions() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_computed_revision_ids_make_the_fast_check_step_aside(tmp_path: Path) -> None:
    (tmp_path / "0001_x.py").write_text("revision = make_id()\ndown_revision = None\n", encoding="utf-8")
    assert head_revisions(tmp_path) is None


def test_merge_revisions_count_both_parents(tmp_path: Path) -> None:
    for name, text in {
        "a.py": "revision = 'a'\ndown_revision = None\n",
        "b.py": "revision = 'b'\ndown_revision = 'a'\n",
        "c.py": "revision: str = 'c'\ndown_revision = 'a'  # a branch\n",
        "d.py": "revision = 'd'\ndown_revision = ('b', 'c')\n",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert head_revisions(tmp_path) == frozenset({"d"})


def test_new_older_and_current_databases(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "db.sqlite3"))
    assert needs_upgrade(engine)  # empty
    upgrade_to_head(engine)
    assert not needs_upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "-1")
    assert needs_upgrade(engine)
    upgrade_to_head(engine)
    assert not needs_upgrade(engine)


def test_a_current_database_opens_without_importing_alembic(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    upgrade_to_head(make_engine(sqlite_url(database)))
    code = (
        "import sys\n"
        "from socialinbox.storage.engine import make_engine, sqlite_url\n"
        "from socialinbox.storage.migrate import upgrade_to_head\n"
        f"upgrade_to_head(make_engine(sqlite_url({str(database)!r})))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
