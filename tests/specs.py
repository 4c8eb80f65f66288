"""Where the platforms' machine-readable API specs live for contract tests.

They sit in ``../shared/specs`` beside the project checkout. Where that folder is absent (a bare clone), the
contract tests skip and say why instead of passing silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = PROJECT_ROOT.parent / "shared" / "specs"


def spec_path(*parts: str) -> Path:
    """The path of a spec file, or skip the calling test when the shared specs are not beside the project."""
    path = SPECS_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"contract test needs {path}: the shared API specs are not beside this checkout")
    return path


def load_json_spec(*parts: str) -> Any:
    return json.loads(spec_path(*parts).read_text(encoding="utf-8"))
