"""The global poll-interval preference: which accounts it paces, the per-platform floors, and its wiring."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox.domain import Account, Health, Platform
from socialinbox.paths import paths_in
from socialinbox.poll_interval import (
    MAX_PREFERENCE_S,
    MIN_POLL_INTERVAL_S,
    effective_poll_interval,
    preference_problem,
)
from socialinbox.secrets import MemorySecretStore
from socialinbox.settings import Settings, save_settings
from socialinbox.wiring import build_core

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def account(platform: Platform, interval: int) -> Account:
    return Account(1, platform, "@shop", "", {}, Health.CONNECTED, "", interval, None, None, None)


def test_zero_keeps_each_platform_s_usual_pace() -> None:
    assert effective_poll_interval(account(Platform.MASTODON, 60), 0) == 60
    assert effective_poll_interval(account(Platform.EMAIL, 30), 0) == 30


def test_the_preference_paces_accounts_polled_at_intervals() -> None:
    assert effective_poll_interval(account(Platform.MASTODON, 60), 120) == 120
    assert effective_poll_interval(account(Platform.BLUESKY, 60), 45) == 45
    assert effective_poll_interval(account(Platform.EMAIL, 30), 300) == 300


def test_long_polling_and_the_demo_keep_their_own_interval() -> None:
    assert effective_poll_interval(account(Platform.TELEGRAM, 0), 120) == 0
    assert effective_poll_interval(account(Platform.DEMO, 10), 120) == 10


@pytest.mark.parametrize(
    ("platform", "floor"), [(Platform.MASTODON, 30), (Platform.BLUESKY, 30), (Platform.EMAIL, 30), (Platform.X, 60)]
)
def test_no_platform_is_polled_faster_than_its_rate_limits_allow(platform: Platform, floor: int) -> None:
    assert MIN_POLL_INTERVAL_S[platform] == floor
    assert effective_poll_interval(account(platform, 60), 1) == floor


def test_a_hand_edited_huge_interval_is_held_to_the_maximum() -> None:
    assert effective_poll_interval(account(Platform.MASTODON, 60), 86_400) == MAX_PREFERENCE_S


@pytest.mark.parametrize(
    ("value", "fine"), [(0, True), (30, True), (900, True), (10, False), (29, False), (901, False)]
)
def test_preferences_accept_zero_or_thirty_seconds_to_fifteen_minutes(value: int, fine: bool) -> None:
    assert (preference_problem(value) is None) is fine


def test_the_app_s_sync_service_reads_the_current_preference(tmp_path: Path) -> None:
    paths = paths_in(tmp_path)
    save_settings(paths.settings_file, dataclasses.replace(Settings(), poll_interval_s=120))
    core = build_core(paths, secrets=MemorySecretStore())
    try:
        mastodon = core.repository.add_account(Platform.MASTODON, "@shop", NOW, poll_interval_s=60)
        assert core.service.poll_interval(mastodon) == 120

        core.settings = dataclasses.replace(core.settings, poll_interval_s=0)  # what Preferences does

        assert core.service.poll_interval(mastodon) == 60
    finally:
        core.close()
