"""What the storage tests start from: a fresh repository on a migrated database, and a demo account in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialinbox.domain import Platform
from socialinbox.storage.repository import Repository
from tests.fakes import T0, make_repository


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Repository:
    return make_repository(tmp_path, database_url)


@pytest.fixture
def account_id(repo: Repository) -> int:
    return repo.add_account(Platform.DEMO, "@shop", T0).id
