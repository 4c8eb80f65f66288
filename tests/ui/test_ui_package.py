"""The GUI package takes PySide6's ``__feature__`` import hook out: modules imported later are not read as text."""

from __future__ import annotations

import builtins
import importlib
import linecache
import subprocess
import sys
from pathlib import Path

import pytest

import socialinbox.ui  # noqa: F401 - what every GUI module is imported through


def test_imports_after_the_gui_package_are_python_s_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert builtins.__import__ is not getattr(builtins, "__feature_import__", None)
    (tmp_path / "imported_later.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        importlib.import_module("imported_later")
        exec("import imported_later", {})  # an import statement, which is what the hook had replaced
    finally:
        sys.modules.pop("imported_later", None)
    assert str(tmp_path / "imported_later.py") not in linecache.cache  # PySide6's hook read every new module's source


def test_pyside_classes_still_come_through_the_import_statement() -> None:
    namespace: dict[str, object] = {}
    exec("from PySide6.QtCore import QLockFile", namespace)  # PySide6 makes its classes on first import
    assert namespace["QLockFile"].__name__ == "QLockFile"  # type: ignore[attr-defined]


def test_the_source_the_hook_read_while_pyside6_loaded_is_not_kept() -> None:
    """About 1 MB of text (PySide6's and shiboken's modules, the standard library's they import), read before the
    hook could be taken out; a fresh process, since this one's PySide6 loaded long ago."""
    script = (
        "import linecache, socialinbox.ui; "
        "print([k for k in linecache.cache if k.startswith('/')]); "
        "linecache.cache['<generated>'] = (1, None, ['x = 1\\n'], '<generated>'); "
        "socialinbox.ui._forget_the_source_it_read(); "
        "print('<generated>' in linecache.cache)"  # text registered for generated code (SQLAlchemy's) stays
    )
    printed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert printed.stdout.split("\n")[:2] == ["[]", "True"], printed.stdout
