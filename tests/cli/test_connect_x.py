"""The command line end to end against the fake X API: sign in in the "browser", sync, reply."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.cli.runner import cli, cli_json, start_cli
from tests.connectors.fake_x import CLIENT_ID, SHOP, FakeX


def test_an_x_account_is_signed_in_synced_and_answered_from_the_command_line(tmp_path: Path) -> None:
    with FakeX(lambda: datetime.now(UTC)) as fake:
        mention = fake.post(f"@{SHOP} do you have rye?", by="1480000000000000007")
        fake.message("Open on Sunday?", by="1480000000000000042")
        args = ("accounts", "add", "x", "--client-id", CLIENT_ID, "--api-base", fake.api_base, "--port", "0")
        running = start_cli(tmp_path, *args)
        try:
            assert running.stdout is not None
            while not (line := running.stdout.readline()).startswith("http"):
                assert line, running.stderr.read() if running.stderr else ""
            with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as browser:
                landed = browser.get(line.strip())
            out, err = running.communicate(timeout=30)
        finally:
            running.kill()
        synced = cli(tmp_path, "sync", "--once")
        conversations = {c["visibility"]: c for c in cli_json(tmp_path, "inbox")}
        public = cli(tmp_path, "reply", str(conversations["public"]["id"]), "--text", "@olenak Yes, on Saturdays!")
        private = cli(tmp_path, "reply", str(conversations["private"]["id"]), "--text", "Yes, 9-12.")
        posted, messaged = fake.requests_to("POST tweets"), fake.requests_to("POST messages with")
        tokens = [*fake.access_tokens, *fake.refresh_tokens]

    assert landed.status_code == 200 and running.returncode == 0, err
    assert "Connected X · Crumb & Co. Bakery as account 1" in out
    assert "2 new" in synced.stdout, synced.stdout + synced.stderr
    assert "Sent reply" in public.stdout and "Sent reply" in private.stdout
    (tweet,) = posted
    assert json.loads(tweet.request.content)["reply"] == {"in_reply_to_tweet_id": mention}
    (message,) = messaged
    assert json.loads(message.request.content) == {"text": "Yes, 9-12."}
    for output in (out, err, synced.stdout + synced.stderr, public.stdout, private.stdout):
        assert not any(token in output for token in tokens)


def test_without_a_client_id_the_command_says_where_to_make_one(tmp_path: Path) -> None:
    result = cli(tmp_path, "accounts", "add", "x", check=False)
    assert result.returncode == 1 and "--client-id" in result.stderr and "53682/callback" in result.stderr
