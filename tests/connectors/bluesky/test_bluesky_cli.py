"""The command line end to end against the fake Bluesky, in subprocesses, as a script or a headless box runs it:
``accounts add bluesky`` (app password on standard input), ``sync --once``, ``inbox --json``, ``reply``."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialinbox.cli import main
from socialinbox.connectors.bluesky_facets import facet_summary
from tests.cli.runner import cli, cli_json
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import APP_PASSWORD, SHOP_DID, SHOP_HANDLE
from tests.lexicon_contract import LexiconContract


def _now() -> datetime:
    return datetime.now(UTC)  # the subprocess reads the real clock, so the fake's tokens must too


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky(LexiconContract.load_if_present(), _now) as server:
        yield server
        assert server.violations == [], "\n".join(server.violations)


@pytest.fixture(scope="module")
def connected(fake: FakeBluesky, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A data folder with the shop connected and one sync done (a mention and a direct message came in), and the
    inbox as ``inbox --json`` lists it, by contact. Each subprocess costs a second or more, so they are shared."""
    folder = tmp_path_factory.mktemp("bluesky-cli")
    ana = fake.customer("ana.bsky.social", "Ana")
    fake.mention(ana, "Do you bake rye? 🍞")
    fake.chat.dm(fake.customer("ben.bsky.social", "Ben"), "Can I pick up at 5?")
    handle = ("--handle", "@CrumbAndCo.bsky.social")
    added = cli(folder, "accounts", "add", "bluesky", *handle, "--pds", fake.url, "--plc", fake.url, stdin=APP_PASSWORD)
    assert "Connected Bluesky · crumbandco.bsky.social as account 1." in added.stdout
    assert "Bluesky · crumbandco.bsky.social: 2 new" in cli(folder, "sync", "--once").stdout
    return folder, {c["contact"]: c for c in cli_json(folder, "inbox")}


def test_the_sign_in_is_stored_in_the_keyring_and_never_the_app_password(
    connected: tuple[Path, dict[str, Any]], fake: FakeBluesky
) -> None:
    folder, _ = connected
    stored = json.loads(json.loads((folder / "test-keyring.json").read_text())["socialinbox/account-1"])
    assert stored["did"] == SHOP_DID and stored["pdsUrl"] == fake.pds_endpoint and "refreshJwt" in stored
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "test-keyring.json":
            content = path.read_bytes()
            assert APP_PASSWORD.encode() not in content and stored["refreshJwt"].encode() not in content, path


def test_inbox_json_lists_the_mention_and_the_direct_message(connected: tuple[Path, dict[str, Any]]) -> None:
    _, conversations = connected
    assert conversations["ana.bsky.social"]["visibility"] == "public"
    assert conversations["ben.bsky.social"]["visibility"] == "private"
    assert all(c["platform"] == "bluesky" and c["status"] == "needs-reply" for c in conversations.values())
    assert conversations["ana.bsky.social"]["preview"] == "@crumbandco.bsky.social Do you bake rye? 🍞"


def test_reply_posts_into_the_thread_with_refs_and_facets(
    connected: tuple[Path, dict[str, Any]], fake: FakeBluesky
) -> None:
    folder, conversations = connected
    target = conversations["ana.bsky.social"]
    text = "🍞 Yes, every Friday @ana.bsky.social! See crumb.shop/rye"

    assert "Sent reply" in cli(folder, "reply", str(target["id"]), "--text", text).stdout

    record = fake.created[-1]["record"]
    question = next(p for p in fake.posts.values() if p.author.handle == "ana.bsky.social")
    ref = {"uri": question.uri, "cid": question.cid}
    assert record["reply"] == {"root": ref, "parent": ref} and record["text"] == text
    assert facet_summary(record["facets"], text) == [("mention", "@ana.bsky.social"), ("link", "crumb.shop/rye")]


def test_reply_to_a_direct_message_goes_through_the_chat_service(
    connected: tuple[Path, dict[str, Any]], fake: FakeBluesky
) -> None:
    folder, conversations = connected
    target = conversations["ben.bsky.social"]
    assert "Sent reply" in cli(folder, "reply", str(target["id"]), "--text", "Sure, see you at 5!").stdout
    assert fake.chat.sent[-1]["message"] == {"text": "Sure, see you at 5!"}


def test_a_wrong_app_password_fails_clearly_without_echoing_it(
    fake: FakeBluesky, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("zzzz-wrong-wrong-zzzz\n"))  # in-process: no second startup
    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "accounts",
            "add",
            "bluesky",
            "--handle",
            SHOP_HANDLE,
            "--pds",
            fake.url,
            "--plc",
            fake.url,
        ]
    )
    output = capsys.readouterr()
    assert code == 1 and "did not accept that handle and app password" in output.err
    assert "zzzz" not in output.err + output.out


def test_without_a_piped_app_password_it_explains_and_never_prompts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal, nothing in it: no prompt may wait
    code = main(["--data-dir", str(tmp_path), "accounts", "add", "bluesky", "--handle", SHOP_HANDLE])
    output = capsys.readouterr()
    assert code == 2 and "App passwords" in output.err and "echo" in output.err and "Paste" not in output.out
