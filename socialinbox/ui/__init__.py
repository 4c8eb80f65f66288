"""The desktop GUI (PySide6): the only package that imports Qt."""

import builtins
import linecache
from typing import Any

import PySide6.QtCore  # noqa: F401 - loads PySide6, and with it the import hook taken out below


def _without_pysides_feature_hook() -> None:
    """Put Python's import back in place of PySide6's ``__feature__`` hook.

    PySide6 replaces ``builtins.__import__`` so that a module may ``from __feature__ import snake_case``; to know which
    modules could, it reads the source of every module imported after it (``shibokensupport.feature``), and
    ``linecache`` keeps that text. For this app that was every GUI module, SQLAlchemy, pydantic and httpx: about 2% of
    a start's instructions before the first paint (B4), and about 20 MB of memory that stayed taken after the text
    was dropped (B5, docs/performance.md). The app selects no feature, and ``tests/test_quality.py`` keeps it that
    way. The hook keeps PySide6's own import as ``__orig_import__``; should it be otherwise, nothing is changed.
    """
    original = getattr(builtins, "__orig_import__", None)
    if original is not None and builtins.__import__ is getattr(builtins, "__feature_import__", None):
        builtins.__import__ = original
        _forget_the_source_it_read()


def _forget_the_source_it_read() -> None:
    """Drop the text the hook read while PySide6 itself loaded: shiboken's and PySide6's own modules, the standard
    library's they import (``enum``, ``typing``, ``re``...) and the module that imported PySide6, about 1 MB kept
    for the whole run (measured with tracemalloc after B5's scroll). Only what was read from files goes; text
    registered for generated code (no file time) stays. A traceback reads a file again if it needs it."""
    for filename, entry in list(linecache.cache.items()):
        if len(entry) == 4 and entry[1] is not None:
            del linecache.cache[filename]


_without_pysides_feature_hook()

# A 64-bit integer in a Qt signal or slot (a database id): PySide6 maps ``int`` to a 32-bit C int, and an id past
# 2**31 would arrive as 0, with only a warning. ``Any``: PySide6's stubs list only Python types, though Qt takes the
# name of a C++ type.
INT64: Any = "qlonglong"
