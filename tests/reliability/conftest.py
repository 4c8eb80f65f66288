"""Fixtures for the reliability suite: a migrated database made once per run and copied for each test."""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialinbox.storage.engine import make_engine, sqlite_url
from socialinbox.storage.migrate import upgrade_to_head
from tests.conftest import FakeClock
from tests.reliability.world import World, make_world


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema: running the migrations once is the slow part of a fresh world."""
    path = tmp_path_factory.mktemp("template") / "inbox.sqlite3"
    engine = make_engine(sqlite_url(path))
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock, migrated_template: Path) -> Iterator[World]:
    shutil.copyfile(migrated_template, tmp_path / "inbox.sqlite3")
    built = make_world(tmp_path, clock, migrated=True)
    yield built
    built.engine.dispose()


@pytest.fixture
def isolated_logging() -> Iterator[None]:
    """``configure_logging`` changes process-wide state (root handlers, level, exception hooks): put it all back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "apscheduler")}
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        sys.excepthook, threading.excepthook = hooks
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)
