"""The desktop GUI (PySide6): the only package that imports Qt."""

from typing import Any

# A 64-bit integer in a Qt signal or slot (a database id): PySide6 maps ``int`` to a 32-bit C int, and an id past
# 2**31 would arrive as 0, with only a warning. ``Any``: PySide6's stubs list only Python types, though Qt takes the
# name of a C++ type.
INT64: Any = "qlonglong"
