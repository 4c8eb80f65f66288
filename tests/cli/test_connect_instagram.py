"""The command line end to end against the fake Graph APIs: add an Instagram account (through its Page, or without
one), sync it, reply, take it private."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.cli.runner import cli, cli_json
from tests.connectors.fake_facebook import OTHER_TOKEN
from tests.connectors.fake_instagram import CUSTOMER, TOKEN, USERNAME, FakeInstagram
from tests.connectors.fake_instagram_login import IG_TOKEN, FakeInstagramLogin


def test_an_instagram_account_is_added_synced_and_answered_from_the_command_line(tmp_path: Path) -> None:
    with FakeInstagram(lambda: datetime.now(UTC)) as graph:
        comment = graph.comment(graph.post(), "Do you have rye bread?")
        graph.customer_dms(CUSTOMER, "Are you open on Sunday?", username="marco.r")

        added = cli(tmp_path, "accounts", "add", "instagram", "--api-base", graph.api_base, stdin=TOKEN + "\n")
        synced = cli(tmp_path, "sync", "--once")
        conversations = {c["visibility"]: c for c in cli_json(tmp_path, "inbox")}
        public = cli(tmp_path, "reply", str(conversations["public"]["id"]), "--text", "Yes, on Saturdays!")
        private = cli(tmp_path, "reply", str(conversations["private"]["id"]), "--text", "Yes, 9-12.")
        unlinked = cli(
            tmp_path,
            "accounts",
            "add",
            "instagram",
            "--api-base",
            graph.api_base,
            stdin=OTHER_TOKEN + "\n",
            check=False,
        )
        replied, messaged = graph.requests_to("POST replies"), graph.requests_to("POST messages")

    assert f"Connected Instagram · {USERNAME} as account 1" in added.stdout, added.stdout + added.stderr
    assert "2 new" in synced.stdout, synced.stdout + synced.stderr
    assert conversations["public"]["preview"] == "Do you have rye bread?"
    assert "Sent reply" in public.stdout and "Sent reply" in private.stdout
    (reply,) = replied
    assert reply.path.endswith(f"/{comment}/replies") and reply.params.get("message") == "Yes, on Saturdays!"
    (message,) = messaged
    assert message.params == {"recipient": {"id": CUSTOMER}, "message": {"text": "Yes, 9-12."}}
    assert unlinked.returncode == 1 and "no Instagram professional account linked" in unlinked.stderr
    for result in (added, synced, public, private, unlinked):
        assert TOKEN not in result.stdout + result.stderr


def test_an_instagram_account_without_a_page_is_added_and_answered_with_its_own_token(tmp_path: Path) -> None:
    with FakeInstagramLogin(lambda: datetime.now(UTC)) as graph:
        graph.comment(graph.post(), "Do you have rye bread?")
        base = graph.api_base
        added = cli(tmp_path, "accounts", "add", "instagram", "--without-page", "--api-base", base, stdin=IG_TOKEN)
        synced = cli(tmp_path, "sync", "--once")
        (conversation,) = cli_json(tmp_path, "inbox")
        public = cli(tmp_path, "reply", str(conversation["id"]), "--text", "Yes, on Saturdays!")
        reconnected = cli(tmp_path, "accounts", "add", "instagram", "--reconnect", "1", stdin=IG_TOKEN + "\n")
        with_page = cli(
            tmp_path, "accounts", "add", "instagram", "--without-page", "--page", "x", stdin=IG_TOKEN, check=False
        )
        helped = cli(tmp_path, "accounts", "add", "instagram", "--help")
        (replied,) = graph.requests_to("POST replies")

    assert f"Connected Instagram · {USERNAME} as account 1" in added.stdout, added.stdout + added.stderr
    assert "1 new" in synced.stdout, synced.stdout + synced.stderr
    assert "Sent reply" in public.stdout and replied.authorization == f"Bearer {IG_TOKEN}"
    assert "Connected Instagram" in reconnected.stdout, reconnected.stdout + reconnected.stderr
    assert with_page.returncode == 2 and "--page names a Facebook Page" in with_page.stderr
    assert "--without-page" in helped.stdout and "API setup with Instagram business login" in helped.stdout
    for result in (added, synced, public, reconnected, with_page):
        assert IG_TOKEN not in result.stdout + result.stderr
