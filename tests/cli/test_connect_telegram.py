"""The command line end to end against a fake Telegram Bot API server on a loopback port: add, sync, inbox, reply."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import cli, cli_json
from tests.connectors.fake_telegram import TOKEN, FakeTelegram


def test_a_bot_is_added_synced_and_answered_from_the_command_line(tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        customer = telegram.user(5123498765, "Lena", "lena_k")
        asked = telegram.message(telegram.private_chat(customer), customer, "Do you deliver on Sundays?")
        telegram.push("message", asked)

        added = cli(tmp_path, "accounts", "add", "telegram", "--api-base", telegram.api_base, stdin=TOKEN + "\n")
        synced = cli(tmp_path, "sync", "--once")
        (conversation,) = cli_json(tmp_path, "inbox")
        replied = cli(tmp_path, "reply", str(conversation["id"]), "--text", "Yes, 9-12 on Sundays!")

    assert "Connected Telegram · @corner_bakery_bot as account 1" in added.stdout
    assert "@corner_bakery_bot: 1 new" in synced.stdout
    assert (conversation["visibility"], conversation["contact"], conversation["preview"]) == (
        "private",
        "lena_k",
        "Do you deliver on Sundays?",
    )
    assert "Sent reply" in replied.stdout
    (sent,) = telegram.sent
    assert sent["chat_id"] == 5123498765 and sent["text"] == "Yes, 9-12 on Sundays!"
    assert sent["reply_parameters"] == {"message_id": asked["message_id"], "allow_sending_without_reply": True}
    secret = TOKEN.partition(":")[2]
    for result in (added, synced, replied):
        assert secret not in result.stdout + result.stderr
