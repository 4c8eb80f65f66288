"""The composition root: what it hands the sync service is read from the owner's settings when it is used."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from socialinbox.domain import Platform
from socialinbox.paths import paths_in
from socialinbox.poll_interval import effective_poll_interval
from socialinbox.secrets import MemorySecretStore
from socialinbox.wiring import build_core
from tests.fakes import T0


def test_the_sync_service_follows_the_poll_interval_preference_as_it_changes(tmp_path: Path) -> None:
    core = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    account = core.repository.add_account(Platform.MASTODON, "@shop", T0)
    try:
        core.settings = dataclasses.replace(core.settings, poll_interval_s=300)
        assert core.service.poll_interval(account) == effective_poll_interval(account, 300) == 300
        core.settings = dataclasses.replace(core.settings, poll_interval_s=120)  # Preferences, while running
        assert core.service.poll_interval(account) == 120
    finally:
        core.close()
