"""Which attachments a stored mail lists, and writing one to disk without ever replacing a file by surprise."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox.connectors import TOKENLESS
from socialinbox.connectors.email_attachments import Attachment
from socialinbox.domain import Direction, Message, Platform, Visibility
from socialinbox.sync.attachments import (
    AttachmentFetcher,
    ListedAttachment,
    listed_attachments,
    safe_file_name,
    save_as,
    save_into,
)
from socialinbox.sync.service import ConnectorPool, Credentials
from tests.fakes import FakeConnector, registry_for
from tests.sync.conftest import SyncWorld

WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def stored(text: str, account_id: int = 1, remote_id: str = "a1@example.org") -> Message:
    return Message(
        1, 1, account_id, remote_id, Direction.INBOUND, "anna@example.org", "Anna", text, WHEN, Visibility.PRIVATE
    )


def test_the_last_block_of_attachment_lines_is_the_list_in_the_connectors_order() -> None:
    text = (
        "Subject: Damaged cake\n\nThe cake (see photos) was squashed.\n\n"
        "[attachment: Rechnung_März.pdf (3 KB)]\n[attachment: tårta (1) skadad.jpg (30 KB)]\n"
        "[attachment: scan.tif (size unknown)]\n\n"
        "[This e-mail is large (12.0 MB): only its beginning was read. Open it in your mail program for the rest.]"
    )
    assert listed_attachments(text) == [
        ListedAttachment(1, "Rechnung_März.pdf", "3 KB"),
        ListedAttachment(2, "tårta (1) skadad.jpg", "30 KB"),
        ListedAttachment(3, "scan.tif", "size unknown"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Just a question about opening hours.",
        "I typed this myself:\n\n[attachment: invoice.pdf (3 KB)]\n\nand then kept writing.",
        "Mixed block\n[attachment: invoice.pdf (3 KB)]",
        "",
    ],
)
def test_text_without_a_trailing_block_of_attachment_lines_lists_none(text: str) -> None:
    assert listed_attachments(text) == []


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/evil.sh", "evil.sh"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("photos/..", "attachment-3"),
        (".bashrc", "bashrc"),
        ("in\x00voice\n.pdf", "in_voice_.pdf"),
        ("...", "attachment-3"),
        ("", "attachment-3"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_a_name_from_the_mail_becomes_a_plain_file_name_never_a_path(name: str, safe: str) -> None:
    assert safe_file_name(name, 3) == safe
    assert "/" not in safe_file_name(name, 3) and not safe_file_name(name, 3).startswith(".")


def test_saving_twice_keeps_both_files_and_never_replaces_one(tmp_path: Path) -> None:
    (tmp_path / "invoice.pdf").write_bytes(b"the owner's own file")
    first = save_into(tmp_path, "invoice.pdf", b"%PDF-1")
    second = save_into(tmp_path, "invoice.pdf", b"%PDF-2")
    assert (first.name, second.name) == ("invoice (2).pdf", "invoice (3).pdf")
    assert (tmp_path / "invoice.pdf").read_bytes() == b"the owner's own file"
    assert first.read_bytes() == b"%PDF-1" and second.read_bytes() == b"%PDF-2"


def test_a_planted_link_is_neither_followed_nor_replaced(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    os.symlink(precious, tmp_path / "photo.jpg")
    written = save_into(tmp_path, "photo.jpg", b"\xff\xd8")
    assert written.name == "photo (2).jpg" and precious.read_text() == "keep me"


def test_a_confirmed_replacement_replaces_and_an_unconfirmed_one_does_not(tmp_path: Path) -> None:
    target = tmp_path / "menu.pdf"
    target.write_bytes(b"old")
    assert save_as(target, b"new", replace=True) == target and target.read_bytes() == b"new"
    kept = save_as(target, b"newer", replace=False)
    assert kept.name == "menu (2).pdf" and target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["menu (2).pdf", "menu.pdf"]  # no partial file left


@dataclasses.dataclass
class MailConnector(FakeConnector):
    fetched: list[tuple[str, str, int, str]] = dataclasses.field(default_factory=list)

    def attachment(self, token: str, remote_id: str, index: int, sender: str = "") -> tuple[Attachment, bytes]:
        self.fetched.append((token, remote_id, index, sender))
        return Attachment("../report.pdf", 4, "application/pdf"), b"%PDF"


def fetcher(world: SyncWorld) -> AttachmentFetcher:
    pool = ConnectorPool(registry_for(world.fakes), world.clock)
    return AttachmentFetcher(world.repo, pool, Credentials(world.secrets, TOKENLESS))


def test_the_fetch_goes_to_the_accounts_connector_with_its_sign_in(world: SyncWorld) -> None:
    account_id = world.add_account(Platform.EMAIL, token="app-password")
    connector = MailConnector(platform=Platform.EMAIL)
    world.fakes[int(world.repo.account(account_id).settings["fake"])] = connector
    name, data = fetcher(world).fetch(stored("Hi\n\n[attachment: report.pdf (4 bytes)]", account_id), 1)
    assert (name, data) == ("report.pdf", b"%PDF")
    assert connector.fetched == [("app-password", "a1@example.org", 1, "anna@example.org")]


def test_an_attachment_the_mail_does_not_list_or_a_platform_without_them_is_refused(world: SyncWorld) -> None:
    mastodon = world.add_account(Platform.MASTODON)
    with pytest.raises(LookupError, match="no attachment number 2"):
        fetcher(world).fetch(stored("Hi\n\n[attachment: report.pdf (4 bytes)]", mastodon), 2)
    with pytest.raises(LookupError, match="cannot be fetched from mastodon"):
        fetcher(world).fetch(stored("Hi\n\n[attachment: report.pdf (4 bytes)]", mastodon), 1)
