"""What the screenshot scripts share: the application (offscreen unless a display is set), a throwaway core, and
where the pictures go. Imported by the scripts beside it (``python scripts/screenshot_….py`` puts this folder first on
the path)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import QApplication

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.wiring import Core, build_core


def out_dir_argument() -> Path:
    """The folder named on the command line, else the README's."""
    return Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")


def start(out_dir: Path) -> QApplication:
    """The application, before any widget exists; offscreen unless the caller's environment names a platform."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the application starts, not at import
    out_dir.mkdir(parents=True, exist_ok=True)
    return QApplication(sys.argv)


@contextmanager
def throwaway_core() -> Iterator[Core]:
    """A core on a data folder deleted afterwards, sign-ins in memory: nothing of the owner's is read or touched."""
    with tempfile.TemporaryDirectory() as folder:
        yield build_core(paths_in(Path(folder)), secrets=MemorySecretStore())
