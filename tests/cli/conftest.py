"""What the in-process command tests share: a fresh core on a throwaway data folder, with sign-ins kept in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.wiring import Core, build_core


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    built = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    yield built
    built.close()
