"""``accounts add mastodon|telegram`` and ``accounts list`` run in-process (the subprocess tests cover the main road):
what the owner is told when something stands in the way, and reconnecting from the command line."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import pytest

from socialinbox.cli import build_parser
from socialinbox.domain import Health
from socialinbox.secrets import account_key
from socialinbox.wiring import Core
from tests.connectors.fake_mastodon import TOKEN, FakeMastodon, ServedMastodon, fixture, mentions
from tests.connectors.fake_telegram import TOKEN as BOT_TOKEN
from tests.connectors.fake_telegram import FakeTelegram


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with ServedMastodon(None) as fake:
        yield fake


def run(core: Core, monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    args = build_parser().parse_args(list(argv))
    code = args.run(core, args)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_webhook_stops_the_bot_being_added_until_the_owner_says_remove_it(core, telegram, monkeypatch, capsys):
    telegram.webhook_url = "https://old-host.example/hook"
    add = ("accounts", "add", "telegram", "--api-base", telegram.api_base)

    refused = run(core, monkeypatch, capsys, *add, stdin=BOT_TOKEN)
    accepted = run(core, monkeypatch, capsys, *add, "--remove-webhook", stdin=BOT_TOKEN)

    assert refused[0] == 1 and "old-host.example" in refused[2] and "--remove-webhook" in refused[2]
    assert accepted[0] == 0 and telegram.webhook_url == ""


def test_no_token_piped_in_explains_where_to_get_one(core, monkeypatch, capsys) -> None:
    code, _, err = run(core, monkeypatch, capsys, "accounts", "add", "telegram", stdin="")

    assert code == 2 and "@BotFather" in err and "/newbot" in err


def test_mastodon_needs_a_server_unless_reconnecting(core, monkeypatch, capsys) -> None:
    code, _, err = run(core, monkeypatch, capsys, "accounts", "add", "mastodon", stdin=TOKEN)

    assert code == 1 and "--instance" in err


def test_a_rejected_mastodon_token_is_explained_without_echoing_it(core, mastodon, monkeypatch, capsys) -> None:
    code, out, err = run(
        core, monkeypatch, capsys, "accounts", "add", "mastodon", "--instance", mastodon.base_url, stdin="bad-tok-91"
    )

    assert code == 1 and "did not accept" in err
    assert "bad-tok-91" not in out + err and core.repository.accounts() == []


def test_reconnect_from_the_command_line_keeps_the_conversations(core, mastodon, monkeypatch, capsys) -> None:
    mastodon.notifications = mentions(1, 2)
    add = ("accounts", "add", "mastodon", "--instance", mastodon.base_url)
    run(core, monkeypatch, capsys, *add, stdin=TOKEN)
    core.service.poll_account(1)
    mastodon.tokens = {"tok-new-after-revoke": fixture("credentials.json")}
    assert core.service.poll_account(1).account.health is Health.NEEDS_RECONNECT

    listed = run(core, monkeypatch, capsys, "accounts", "list")[1]
    code, out, _ = run(
        core, monkeypatch, capsys, "accounts", "add", "mastodon", "--reconnect", "1", stdin="tok-new-after-revoke"
    )

    assert "needs-reconnect" in listed and "accounts add mastodon --reconnect 1" in listed
    assert code == 0 and "as account 1" in out
    assert core.secrets.get(account_key(1)) == "tok-new-after-revoke"
    assert core.service.poll_account(1).account.health is Health.CONNECTED
    assert len(core.repository.conversations()) == 2


def test_accounts_list_says_a_bot_listens_continuously_and_shows_the_budget(
    core, telegram, mastodon, monkeypatch, capsys
):
    run(core, monkeypatch, capsys, "accounts", "add", "telegram", "--api-base", telegram.api_base, stdin=BOT_TOKEN)
    run(core, monkeypatch, capsys, "accounts", "add", "mastodon", "--instance", mastodon.base_url, stdin=TOKEN)
    core.service.poll_account(2)

    listed = run(core, monkeypatch, capsys, "accounts", "list")[1].splitlines()

    assert "listening continuously" in listed[0]
    assert "296/300 requests left" in listed[1] and "next 20" in listed[1]
