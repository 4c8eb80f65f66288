"""The command line end to end against a fake Mastodon server on a loopback port: add, sync, inbox, reply."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.runner import cli, cli_json, start_cli
from tests.connectors.fake_mastodon import (
    TOKEN,
    FakeMastodon,
    ServedMastodon,
    load_contract,
    mentions,
    shop_reply,
)


@pytest.fixture(scope="module")
def mastodon() -> Iterator[FakeMastodon]:
    with ServedMastodon(load_contract()) as fake:
        fake.notifications = mentions(1, 2)
        fake.own_statuses = [shop_reply("113520000000000900", "113520000000000001", "2026-11-23T08:50:00Z")]
        yield fake


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, mastodon: FakeMastodon) -> Path:
    """A data folder with the shop's Mastodon account added (token piped in) and synced once."""
    folder = tmp_path_factory.mktemp("mastodon-cli")
    added = cli(folder, "accounts", "add", "mastodon", "--instance", mastodon.base_url, stdin=TOKEN + "\n")
    assert "Connected Mastodon · Corner Bakery as account 1." in added.stdout
    assert "up to 1000 characters" in added.stdout
    synced = cli(folder, "sync", "--once")
    assert "Mastodon · Corner Bakery: 3 new" in synced.stdout  # two mentions and the shop's answer to one
    for output in (added.stdout + added.stderr, synced.stdout + synced.stderr):
        assert TOKEN not in output
    return folder


def test_inbox_then_reply_goes_out_as_a_public_reply_naming_the_customer(shop: Path, mastodon: FakeMastodon) -> None:
    conversations = cli_json(shop, "inbox")
    waiting = next(c for c in conversations if c["status"] == "needs-reply")

    sent = cli(shop, "reply", str(waiting["id"]), "--text", "Yes, two rye loaves are left!")

    # the mention answered in Mastodon's own app was back-filled as handled
    assert sorted(c["status"] for c in conversations) == ["needs-reply", "waiting"]
    assert {c["contact"] for c in conversations} == {"mira@knit.example"}
    (posted,) = [r for r in mastodon.requests if r.method == "POST" and r.url.path == "/api/v1/statuses"]
    assert json.loads(posted.content) == {
        "status": "@mira@knit.example Yes, two rye loaves are left!",
        "visibility": "public",
        "in_reply_to_id": "113520000000000002",
    }
    assert posted.headers["Idempotency-Key"]
    assert "Sent reply" in sent.stdout


def test_signing_in_in_the_browser_from_the_command_line(tmp_path: Path, mastodon: FakeMastodon) -> None:
    running = start_cli(tmp_path, "accounts", "add", "mastodon", "--instance", mastodon.base_url, "--oauth")
    try:
        assert running.stdout is not None
        while not (line := running.stdout.readline()).startswith("http"):
            assert line, running.stderr.read() if running.stderr else ""
        with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as browser:
            landed = browser.get(line.strip())  # approve on the server, which redirects to the app's listener
        out, err = running.communicate(timeout=30)
    finally:
        running.kill()

    assert landed.status_code == 200 and "close this tab" in landed.text
    assert running.returncode == 0, err
    assert "Connected Mastodon · Corner Bakery" in out
