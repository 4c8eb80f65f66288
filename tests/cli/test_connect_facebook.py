"""The command line end to end against the fake Graph API: add a Page, sync its comments and Messenger, reply."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.cli.runner import cli, cli_json
from tests.connectors.fake_facebook import PAGE_NAME, TOKEN, USER_TOKEN, FakeGraph


def test_a_page_is_added_synced_and_answered_from_the_command_line(tmp_path: Path) -> None:
    with FakeGraph(lambda: datetime.now(UTC)) as graph:
        post = graph.post("Fresh sourdough this Saturday!")
        comment = graph.comment(post, "Do you have rye bread?", who=("1148671018324630", "Olena Kovalenko"))
        graph.customer_writes("7712345678901234", "Are you open on Sunday?", name="Marco Rossi")

        added = cli(tmp_path, "accounts", "add", "facebook", "--api-base", graph.api_base, stdin=TOKEN + "\n")
        synced = cli(tmp_path, "sync", "--once")
        conversations = {c["visibility"]: c for c in cli_json(tmp_path, "inbox")}
        public = cli(tmp_path, "reply", str(conversations["public"]["id"]), "--text", "Yes, on Saturdays!")
        private = cli(tmp_path, "reply", str(conversations["private"]["id"]), "--text", "Yes, 9-12.")
        commented, messaged = graph.requests_to("POST comments"), graph.requests_to("POST messages")

    assert f"Connected Facebook · {PAGE_NAME} as account 1" in added.stdout, added.stdout + added.stderr
    assert "2 new" in synced.stdout, synced.stdout + synced.stderr
    assert conversations["public"]["preview"] == "Do you have rye bread?"
    assert conversations["private"]["preview"] == "Are you open on Sunday?"
    assert "Sent reply" in public.stdout and "Sent reply" in private.stdout
    (reply,) = commented
    assert reply.path.endswith(f"/{comment}/comments") and reply.params.get("message") == "Yes, on Saturdays!"
    (message,) = messaged
    assert message.params["recipient"] == {"id": "7712345678901234"}
    assert message.params["message"] == {"text": "Yes, 9-12."}
    for result in (added, synced, public, private):
        assert TOKEN not in result.stdout + result.stderr


def test_a_persons_token_names_its_pages_and_connects_the_one_chosen(tmp_path: Path) -> None:
    with FakeGraph(lambda: datetime.now(UTC)) as graph:
        unsure = cli(
            tmp_path, "accounts", "add", "facebook", "--api-base", graph.api_base, stdin=USER_TOKEN + "\n", check=False
        )
        chosen = cli(
            tmp_path,
            "accounts",
            "add",
            "facebook",
            "--api-base",
            graph.api_base,
            "--page",
            PAGE_NAME,
            stdin=USER_TOKEN + "\n",
        )
    assert unsure.returncode == 1 and f"{PAGE_NAME}, Rival Buns" in unsure.stderr and "--page" in unsure.stderr
    assert f"Connected Facebook · {PAGE_NAME} as account 1" in chosen.stdout
    for result in (unsure, chosen):
        assert USER_TOKEN not in result.stdout + result.stderr and TOKEN not in result.stdout + result.stderr
