"""Lint, types and the house plan's layer rules are part of the test run, so CI holds them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in this environment: install the project with its [test] extra")
    return str(path)


def test_ruff_lint_passes() -> None:
    result = _run(_tool("ruff"), "check", "socialinbox", "tests", "bench", "packaging")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    result = _run(_tool("ruff"), "format", "--check", "socialinbox", "tests", "bench", "packaging")
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_type_checks_strictly() -> None:
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_contracts_hold() -> None:
    """The core never imports Qt, arrows point down only, connectors never touch storage."""
    result = _run(_tool("lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_core_loads_no_qt() -> None:
    code = (
        "import sys, socialinbox.cli, socialinbox.wiring, socialinbox.sync.scheduler, socialinbox.sync.tasks;"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))"
    )
    result = _run(sys.executable, "-c", code)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
