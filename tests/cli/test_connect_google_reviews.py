"""The command line end to end against the fake Google: sign in in the (played) browser, sync the reviews, reply."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.cli.runner import ROOT, cli, cli_env, cli_json
from tests.connectors.fake_google import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_LOCATION,
    OTHER_TITLE,
    TITLE,
    FakeGoogle,
)


def add_google(data_dir: Path, google: FakeGoogle, *extra: str) -> tuple[int, str, str]:
    """Runs ``accounts add google_reviews`` with the secret piped in, and plays the browser on the address printed."""
    urls = ("--auth-url", google.auth_url, "--token-url", google.token_url, "--api-base", google.url)
    urls += ("--accounts-base", google.url, "--locations-base", google.url)
    command = [sys.executable, "-m", "socialinbox", "--data-dir", str(data_dir), "accounts", "add", "google_reviews"]
    running = subprocess.Popen(
        [*command, "--client-id", CLIENT_ID, *urls, *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(data_dir),
        cwd=ROOT,
    )
    try:
        assert running.stdin is not None and running.stdout is not None
        running.stdin.write(CLIENT_SECRET + "\n")
        running.stdin.close()
        running.stdin = None  # communicate() must not flush the closed pipe
        printed = []
        while not (line := running.stdout.readline()).startswith("http"):
            assert line, running.stderr.read() if running.stderr else ""
            printed.append(line)
        with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as browser:
            browser.get(line.strip())
        out, err = running.communicate(timeout=30)
    finally:
        running.kill()
    return running.returncode, "".join(printed) + line + out, err


def test_a_location_is_added_synced_and_answered_from_the_command_line(tmp_path: Path) -> None:
    with FakeGoogle(lambda: datetime.now(UTC)) as google:
        review = google.review("Best croissants in town!", "FIVE", who="Marco Rossi")
        code, out, err = add_google(tmp_path, google)
        synced = cli(tmp_path, "sync", "--once")
        (conversation,) = cli_json(tmp_path, "inbox")
        answered = cli(tmp_path, "reply", str(conversation["id"]), "--text", "Grazie, Marco!")
        (put,) = google.requests_to("PUT reply")
    assert code == 0, err
    assert f"Connected Google reviews · {TITLE} as account 1" in out and "replaces your earlier reply" in out
    assert "1 new" in synced.stdout, synced.stdout + synced.stderr
    assert conversation["preview"] == "★★★★★ Best croissants in town!" and conversation["visibility"] == "public"
    assert "Sent reply" in answered.stdout
    assert put.path.endswith(f"/reviews/{review}/reply") and put.body == {"comment": "Grazie, Marco!"}
    for output in (out, err, synced.stdout, synced.stderr, answered.stdout, answered.stderr):
        assert CLIENT_SECRET not in output and "ya29." not in output


def test_several_locations_are_named_and_the_command_asks_for_one(tmp_path: Path) -> None:
    with FakeGoogle(lambda: datetime.now(UTC)) as google:
        google.locations[ACCOUNT].append((OTHER_LOCATION, OTHER_TITLE))
        code, _, err = add_google(tmp_path, google)
        chosen, out, _ = add_google(tmp_path, google, "--location", OTHER_TITLE)
    assert code == 1 and TITLE in err and OTHER_TITLE in err and "--location" in err
    assert chosen == 0 and f"Connected Google reviews · {OTHER_TITLE}" in out
