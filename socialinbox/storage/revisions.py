"""Which schema revision this version of the app expects, read from the migration files as text.

Nearly every start finds the database current; checking that must not import Alembic (a third of a second) nor,
before the first paint, SQLAlchemy (docs/performance.md, B4).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).with_name("migrations")  # bundled as data by the packaging spec
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*(?:#.*)?$", re.MULTILINE)


def head_revisions(versions: Path = MIGRATIONS_DIR / "versions") -> frozenset[str] | None:
    """The newest revision(s), read from the migration files as text; None when they cannot be read that way."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        found = dict(_ASSIGNMENT.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue  # __init__.py and helpers
        try:
            revision = ast.literal_eval(found["revision"])
            parent = ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return None  # computed, not literal: let Alembic read it
        revisions.add(str(revision))
        parents.update([parent] if isinstance(parent, str) else list(parent or ()))
    heads = revisions - parents
    return frozenset(heads) if heads else None
