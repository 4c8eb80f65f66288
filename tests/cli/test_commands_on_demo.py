"""The command line in a subprocess, as a script or a headless box runs it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.runner import cli


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    cli(folder, "accounts", "add", "demo", "--seed", "3")
    cli(folder, "sync", "--once")
    return folder


def test_accounts_list_json_shows_the_demo_account_connected(demo_dir: Path) -> None:
    (account,) = json.loads(cli(demo_dir, "accounts", "list", "--json").stdout)
    assert account["platform"] == "demo" and account["health"] == "connected"
    assert account["last_success_at"].endswith("Z")


def test_inbox_json_has_the_documented_fields(demo_dir: Path) -> None:
    conversations = json.loads(cli(demo_dir, "inbox", "--json").stdout)
    assert conversations
    for field in ("id", "platform", "account", "contact", "visibility", "status", "last_message_at", "preview"):
        assert field in conversations[0]
    assert all(c["last_message_at"].endswith("Z") for c in conversations)


def test_reply_is_sent_and_shows_in_the_thread(demo_dir: Path) -> None:
    waiting = json.loads(cli(demo_dir, "inbox", "--status", "needs-reply", "--json").stdout)
    target = waiting[0]["id"]
    result = cli(demo_dir, "reply", str(target), "--text", "So sorry about that, we'll make it right.")
    assert "Sent reply" in result.stdout
    thread = json.loads(cli(demo_dir, "show", str(target), "--json").stdout)
    assert thread["status"] == "waiting"
    assert thread["messages"][-1]["direction"] == "out"
    assert thread["messages"][-1]["text"] == "So sorry about that, we'll make it right."
    times = [m["sent_at"] for m in thread["messages"]]
    assert times == sorted(times)


def test_done_and_reopen_move_a_conversation(demo_dir: Path) -> None:
    target = json.loads(cli(demo_dir, "inbox", "--json").stdout)[0]["id"]
    cli(demo_dir, "done", str(target))
    assert target in [c["id"] for c in json.loads(cli(demo_dir, "inbox", "--status", "done", "--json").stdout)]
    cli(demo_dir, "reopen", str(target))
    needs = json.loads(cli(demo_dir, "inbox", "--status", "needs-reply", "--json").stdout)
    assert target in [c["id"] for c in needs]


def test_unknown_conversation_is_a_clear_error(demo_dir: Path) -> None:
    result = cli(demo_dir, "show", "999999", check=False)
    assert result.returncode == 2
    assert "no conversation 999999" in result.stderr


def test_sync_with_no_accounts_says_what_to_do(tmp_path: Path) -> None:
    assert "accounts add demo" in cli(tmp_path, "sync", "--once").stdout


def test_remove_account(tmp_path: Path) -> None:
    cli(tmp_path, "accounts", "add", "demo")
    cli(tmp_path, "accounts", "remove", "1")
    assert json.loads(cli(tmp_path, "accounts", "list", "--json").stdout) == []


def test_data_folder_is_private_to_the_owner(demo_dir: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    assert (demo_dir.stat().st_mode & 0o777) == 0o700
    assert ((demo_dir / "inbox.sqlite3").stat().st_mode & 0o777) == 0o600


def test_help_still_lists_every_command_and_a_wrong_option_is_still_refused(tmp_path: Path) -> None:
    """A start of the app reads its options without the commands' modules; help and mistakes still get all of it."""
    shown = cli(tmp_path, "--help").stdout
    assert all(command in shown for command in ("accounts", "sync", "inbox", "report", "templates"))
    refused = cli(tmp_path, "--no-such-option", check=False)
    assert refused.returncode == 2 and "unrecognized arguments: --no-such-option" in refused.stderr
    bad_id = cli(tmp_path, "--open", "abc", check=False)
    assert bad_id.returncode == 2 and "a conversation id is a positive number" in bad_id.stderr
