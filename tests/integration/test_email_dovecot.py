"""The e-mail connector against real servers on loopback: Debian's Dovecot (IMAP) and aiosmtpd (SMTP).

One Dovecot for the module; each test reads and writes folders of its own. Mail is delivered with IMAP APPEND,
and what the connector brings in is stored through the real repository, as the app does.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialinbox.connectors import email as email_connector
from socialinbox.connectors.base import AuthError, Rejected, TransientError
from socialinbox.connectors.email import EmailConnector, build_email, parse_cursor
from socialinbox.connectors.email_imap import Security
from socialinbox.domain import Direction, Platform, PollResult, Status
from socialinbox.storage.repository import Repository
from tests.conftest import FakeClock
from tests.connectors.mail_servers import PASSWORD, USER, Dovecot, SmtpSink, dovecot_unavailable, free_port
from tests.fakes import make_repository

FIXTURES = Path(__file__).parent.parent / "connectors" / "fixtures" / "email"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
if (reason := dovecot_unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)
pytest.importorskip("aiosmtpd", reason="aiosmtpd (the test extra) runs the SMTP server these tests send to")

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
INBOUND_FIXTURES = [
    "apple_mail_reply.eml",
    "attachments_mixed.eml",
    "contact_form_no_message_id.eml",
    "gmail_alternative_reply.eml",
    "iso2022jp.eml",
    "koi8r_base64.eml",
    "latin1_really_cp1252.eml",
    "outlook_html_only.eml",
    "outlook_original_message_long.eml",
    "thunderbird_flowed_bottom.eml",
]
MACHINE_FIXTURES = ["bounce_dsn.eml", "auto_reply_out_of_office.eml", "auto_reply_vacation.eml", "bulk_newsletter.eml"]


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture
def box(smtp: SmtpSink) -> str:
    smtp.mode = "ok"
    smtp.received.clear()
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def shop_clock(clock: FakeClock) -> FakeClock:
    clock.set(NOW)
    return clock


@pytest.fixture
def connector(dovecot: Dovecot, smtp: SmtpSink, box: str, shop_clock: FakeClock) -> EmailConnector:
    settings = {
        "address": USER,
        "display_name": "Corner Bakery",
        "imap_host": "127.0.0.1",
        "imap_port": dovecot.port,
        "imap_security": "plain",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_security": "plain",
        "folder": box,
        "sent_folder": f"{box}-sent",
        "timeout_s": 5,
    }
    return build_email(settings, shop_clock)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Repository:
    return make_repository(tmp_path_factory.mktemp("email"))  # one for the module; each test its own account


@pytest.fixture
def account_id(repository: Repository) -> int:
    return repository.add_account(Platform.EMAIL, USER, NOW, display_name="Corner Bakery").id


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mail(
    message_id: str, body: str, *, sender: str = "Kim Lee <kim@example.org>", subject: str = "Bread order",
    when: datetime = NOW - timedelta(hours=1), reply_to: list[str] = (), to: str = USER,  # type: ignore[assignment]
) -> bytes:  # fmt: skip
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {email.utils.format_datetime(when)}",
        f"Message-ID: <{message_id}>",
        "Content-Type: text/plain; charset=utf-8",
        "MIME-Version: 1.0",
    ]
    if reply_to:
        lines += [f"In-Reply-To: <{reply_to[-1]}>", "References: " + " ".join(f"<{r}>" for r in reply_to)]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()


def save(repository: Repository, account_id: int, result: PollResult) -> int:
    return len(repository.save_poll(account_id, result, NOW).new_messages)


# --- ingest -------------------------------------------------------------------------------------------


def test_every_shape_of_mail_lands_as_the_owner_expects(
    connector: EmailConnector, dovecot: Dovecot, box: str, repository: Repository, account_id: int
) -> None:
    dovecot.deliver(
        [(box, fixture(name)) for name in [*INBOUND_FIXTURES, *MACHINE_FIXTURES, "shop_reply_from_phone.eml"]]
    )
    result = connector.poll(None, PASSWORD, None)

    by_author = {m.author.remote_id: m for m in result.messages}
    assert len(result.messages) == len(INBOUND_FIXTURES) + 1  # bounce, out-of-office, vacation, newsletter: none
    assert not {"j.pryce@outlook.example", "pieter@vries.example", "news@flour-wholesale.example"} & {
        m.author.remote_id for m in result.messages if m.text.startswith(("I am out", "Ik ben", "Rye"))
    }
    assert any("pieter@tyypo.example" in w and "User unknown" in w for w in result.warnings)  # the bounce, told
    phone = by_author[USER]
    assert phone.direction is Direction.OUTBOUND and phone.author.display_name == "Corner Bakery"
    assert by_author["sam.okafor@proton.example"].remote_id.startswith("sha256:")  # no Message-ID, Reply-To
    assert by_author["hanako.yamada@docomo.example"].text.startswith("Subject: ケーキの予約について\n\n")
    assert "[attachment: Rechnung_März.pdf (3 KB)]" in by_author["anna@mailbox.example"].text
    assert "\\Seen" not in dovecot.flags(box, "CAJx9q+VbN2kP0aGmail.1@mail.gmail.com")  # read without marking

    assert save(repository, account_id, result) == len(INBOUND_FIXTURES) + 1
    conversations = {c.contact.remote_id: c for c in repository.conversations(account_id=account_id)}
    assert len(conversations) == len(INBOUND_FIXTURES)  # machines are no customers; the shop's reply joined one
    assert conversations["maria.lopez@gmail.example"].status is Status.WAITING  # answered from the phone
    assert conversations["olga.smirnova@yandex.example"].status is Status.NEEDS_REPLY
    assert conversations["olga.smirnova@yandex.example"].contact.display_name == "Ольга Смирнова"


def test_a_second_poll_brings_only_new_mail_and_a_duplicate_copy_is_stored_once(
    connector: EmailConnector, dovecot: Dovecot, box: str, repository: Repository, account_id: int
) -> None:
    dovecot.append(box, mail("a1@example.org", "First question"))
    first = connector.poll(None, PASSWORD, None)
    assert save(repository, account_id, first) == 1
    assert connector.poll(None, PASSWORD, first.cursor).messages == ()
    dovecot.append(box, mail("a1@example.org", "First question"))  # the same mail again (a filter, a label)
    dovecot.append(box, mail("a2@example.org", "Second question", sender="Ada <ada@example.org>"))
    second = connector.poll(None, PASSWORD, first.cursor)
    assert [m.remote_id for m in second.messages] == ["a1@example.org", "a2@example.org"]
    assert save(repository, account_id, second) == 1
    assert parse_cursor(second.cursor).inbox.last_uid == 3  # type: ignore[union-attr]


def test_a_renumbered_folder_is_read_again_without_duplicates(
    connector: EmailConnector, dovecot: Dovecot, box: str, repository: Repository, account_id: int
) -> None:
    for n in (1, 2):
        dovecot.append(box, mail(f"r{n}@example.org", f"Question {n}"))
    first = connector.poll(None, PASSWORD, None)
    assert save(repository, account_id, first) == 2
    before = dovecot.uidvalidity(box)
    dovecot.delete(box)  # a restored or rebuilt mailbox: same mail, new numbers
    for n in (1, 2, 3):
        dovecot.append(box, mail(f"r{n}@example.org", f"Question {n}"))
    assert dovecot.uidvalidity(box) != before
    again = connector.poll(None, PASSWORD, first.cursor)
    assert any("renumbered" in warning for warning in again.warnings)
    assert save(repository, account_id, again) == 1  # only r3 is new
    assert parse_cursor(again.cursor).inbox == email_connector.FolderCursor(dovecot.uidvalidity(box), 3)


def test_the_first_poll_reads_recent_mail_only_and_never_old_history(
    connector: EmailConnector, dovecot: Dovecot, box: str
) -> None:
    dovecot.append(box, mail("old@example.org", "From last summer", when=NOW - timedelta(days=90)))
    dovecot.append(box, mail("new@example.org", "From this morning"))
    first = connector.poll(None, PASSWORD, None)
    assert [m.remote_id for m in first.messages] == ["new@example.org"]
    assert connector.poll(None, PASSWORD, first.cursor).messages == ()


def test_a_burst_larger_than_one_poll_arrives_over_the_next_polls(
    connector: EmailConnector, dovecot: Dovecot, box: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email_connector, "MAX_MAILS_PER_POLL", 3)
    dovecot.deliver(
        [(box, mail(f"b{n}@example.org", f"Burst {n}", when=NOW - timedelta(minutes=60 - n))) for n in range(7)]
    )
    seen, cursor = [], None
    for _ in range(4):
        result = connector.poll(None, PASSWORD, cursor)
        seen.append([m.remote_id for m in result.messages])
        cursor = result.cursor
    assert seen == [["b0@example.org", "b1@example.org", "b2@example.org"], [f"b{n}@example.org" for n in (3, 4, 5)],
                    ["b6@example.org"], []]  # fmt: skip


def test_a_long_thread_with_the_shops_answers_in_sent_is_one_conversation_of_new_parts(
    connector: EmailConnector, dovecot: Dovecot, box: str, repository: Repository, account_id: int
) -> None:
    chain: list[str] = []
    history = ""
    delivery: list[tuple[str, bytes]] = []
    for n in range(24):
        from_shop = n % 2 == 1
        message_id = f"thread-{n}@{'cornerbakery' if from_shop else 'example'}.example"
        sender = "Corner Bakery <shop@cornerbakery.example>" if from_shop else "Kim Lee <kim@example.org>"
        when = NOW - timedelta(hours=5) + timedelta(minutes=5 * n)
        body = f"Message {n}\n\nOn day {n}, someone wrote:\n" + "\n".join(f"> {line}" for line in history.split("\n"))
        raw = mail(message_id, body, sender=sender, subject="Re: " * (n > 0) + "Weekly order", when=when,
                   reply_to=list(chain), to="kim@example.org" if from_shop else USER)  # fmt: skip
        delivery.append((f"{box}-sent" if from_shop else box, raw))
        chain.append(message_id)
        history = body
    dovecot.deliver(delivery)
    result = connector.poll(None, PASSWORD, None)
    assert save(repository, account_id, result) == 24
    (conversation,) = repository.conversations(account_id=account_id)
    thread = repository.messages(conversation.id)
    assert [m.text for m in thread] == ["Subject: Weekly order\n\nMessage 0"] + [f"Message {n}" for n in range(1, 24)]
    assert [m.direction for m in thread][:2] == [Direction.INBOUND, Direction.OUTBOUND]
    assert conversation.status is Status.WAITING  # the shop wrote last (message 23)


# --- replying -----------------------------------------------------------------------------------------


def poll_and_queue(connector: EmailConnector, repository: Repository, account_id: int, text: str):  # type: ignore[no-untyped-def]
    result = connector.poll(None, PASSWORD, None)
    save(repository, account_id, result)
    (conversation,) = repository.conversations(account_id=account_id)
    repository.queue_reply(conversation.id, text, NOW)
    (claim,) = repository.claim_due_replies(NOW, account_id=account_id)
    return result, conversation, claim


def test_a_reply_goes_out_threaded_is_filed_in_sent_and_marks_the_original_answered(
    connector: EmailConnector, dovecot: Dovecot, box: str, smtp: SmtpSink, repository: Repository, account_id: int,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    dovecot.append(box, fixture("gmail_alternative_reply.eml"))
    first, conversation, claim = poll_and_queue(connector, repository, account_id, "So sorry! Fresh ones on Friday.")
    sent = connector.send(None, PASSWORD, claim.reply)

    (received,) = smtp.received
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert received.rcpt_tos == ["maria.lopez@gmail.example"]
    assert message["Subject"] == "Re: Your order #1042 is on its way"
    assert message["From"] == "Corner Bakery <shop@cornerbakery.example>"
    assert message["In-Reply-To"] == "<CAJx9q+VbN2kP0aGmail.1@mail.gmail.com>"
    assert str(message["References"]).split() == [
        "<order-1042.shipped@cornerbakery.example>",
        "<CAJx9q+VbN2kP0aGmail.1@mail.gmail.com>",
    ]
    assert message["Message-ID"] == f"<{sent.remote_id}>" and sent.remote_id.endswith("@cornerbakery.example")
    assert message.get_content_type() == "text/plain"
    assert message.get_content().startswith("So sorry! Fresh ones on Friday.")

    (copy,) = dovecot.raw_mails(f"{box}-sent")
    assert email.message_from_bytes(copy)["Message-ID"] == f"<{sent.remote_id}>"
    assert "\\Answered" in dovecot.flags(box, "CAJx9q+VbN2kP0aGmail.1@mail.gmail.com")

    repository.mark_sent(claim.item.id, sent, NOW)
    later = connector.poll(None, PASSWORD, first.cursor)  # the Sent copy comes back: the same message
    assert [m.remote_id for m in later.messages] == [sent.remote_id]
    assert save(repository, account_id, later) == 0
    assert len(repository.messages(conversation.id)) == 2
    assert repository.conversation(conversation.id).status is Status.WAITING
    assert PASSWORD not in caplog.text


def test_a_reply_to_mail_another_program_archived_still_finds_and_flags_it(
    connector: EmailConnector, dovecot: Dovecot, box: str, smtp: SmtpSink, repository: Repository, account_id: int
) -> None:
    dovecot.append(box, fixture("koi8r_base64.eml"))
    _, _, claim = poll_and_queue(connector, repository, account_id, "Да, есть!")
    dovecot.move(box, "1732333500.445566@yandex.example", f"{box}.Archive")
    connector.send(None, PASSWORD, claim.reply)
    (received,) = smtp.received
    assert email.message_from_bytes(received.data, policy=email.policy.default)["Subject"] == "Re: Торт без глютена"
    assert "\\Answered" in dovecot.flags(f"{box}.Archive", "1732333500.445566@yandex.example")


def test_a_reply_to_a_contact_form_without_message_id_goes_to_its_reply_to_under_its_subject(
    connector: EmailConnector, dovecot: Dovecot, box: str, smtp: SmtpSink, repository: Repository, account_id: int
) -> None:
    dovecot.append(box, fixture("contact_form_no_message_id.eml"))
    _, _, claim = poll_and_queue(connector, repository, account_id, "Yes, we do! Let's talk on Monday.")
    connector.send(None, PASSWORD, claim.reply)
    (received,) = smtp.received
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert received.rcpt_tos == ["sam.okafor@proton.example"]
    assert message["Subject"] == "Re: Contact form: Catering for 40 people" and message["In-Reply-To"] is None
    assert "\\Answered" in dovecot.flags(box, "Catering for 40", header="Subject")


def test_a_reply_to_deleted_mail_still_reaches_the_customer_in_the_same_thread(
    connector: EmailConnector, dovecot: Dovecot, box: str, smtp: SmtpSink, repository: Repository, account_id: int
) -> None:
    dovecot.append(box, mail("gone@example.org", "Are you open on Sunday?", sender="Kim Lee <kim@example.org>"))
    _, _, claim = poll_and_queue(connector, repository, account_id, "Yes, 8 to 12.")
    dovecot.delete(box)
    connector.send(None, PASSWORD, claim.reply)
    (received,) = smtp.received
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert received.rcpt_tos == ["kim@example.org"] and message["In-Reply-To"] == "<gone@example.org>"
    assert message["Subject"] == "Re: your e-mail"


def test_a_reply_refused_by_the_server_raises_and_files_nothing(
    connector: EmailConnector, dovecot: Dovecot, box: str, smtp: SmtpSink, repository: Repository, account_id: int
) -> None:
    dovecot.append(box, mail("typo@example.org", "Hello", sender="Pieter <pieter@tyypo.example>"))
    _, _, claim = poll_and_queue(connector, repository, account_id, "Hi Pieter")
    smtp.mode = "unknown-recipient"
    with pytest.raises(Rejected):
        connector.send(None, PASSWORD, claim.reply)
    assert dovecot.raw_mails(f"{box}-sent") == []
    assert "\\Answered" not in dovecot.flags(box, "typo@example.org")


# --- connecting and trouble ------------------------------------------------------------------------------


def test_verify_signs_in_to_both_servers_and_checks_the_folder(
    connector: EmailConnector, dovecot: Dovecot, box: str
) -> None:
    dovecot.create(box)
    assert connector.verify(None, PASSWORD) == USER  # type: ignore[arg-type]
    with pytest.raises(Rejected, match="no folder"):
        dataclasses.replace(connector, folder="Nowhere").verify(None, PASSWORD)  # type: ignore[arg-type]


def test_the_sent_folder_is_found_by_its_usual_name(connector: EmailConnector, dovecot: Dovecot) -> None:
    dovecot.create("Sent Items")
    assert connector.find_sent_folder(PASSWORD) == "Sent Items"


def test_no_server_listening_is_transient(connector: EmailConnector) -> None:
    gone = dataclasses.replace(connector, imap=dataclasses.replace(connector.imap, port=free_port()))
    with pytest.raises(TransientError, match="Could not reach"):
        gone.poll(None, PASSWORD, None)


def test_starttls_asked_of_a_server_without_it_is_a_setting_to_fix_and_no_sign_in_is_made(
    connector: EmailConnector, dovecot: Dovecot
) -> None:
    before = len(dovecot.sign_ins())
    in_the_clear = dataclasses.replace(connector, imap=dataclasses.replace(connector.imap, security=Security.STARTTLS))
    with pytest.raises(AuthError, match=f"127.0.0.1:{dovecot.port} does not offer STARTTLS; check the port and"):
        in_the_clear.poll(None, PASSWORD, None)
    assert len(dovecot.sign_ins()) == before  # the password never went out in the clear


def test_an_attachment_can_be_fetched_again_for_saving(connector: EmailConnector, dovecot: Dovecot, box: str) -> None:
    dovecot.append(box, fixture("attachments_mixed.eml"))
    attachment, data = connector.attachment(PASSWORD, "5f3c9a2e-anna-77@mailbox.example", 2)
    assert attachment.name == "tårta skadad.jpg" and data.startswith(b"\xff\xd8") and len(data) == 30726
    with pytest.raises(Rejected):
        connector.attachment(PASSWORD, "never-seen@example.org", 1)


def test_a_large_mail_is_read_only_in_part_and_says_so(connector: EmailConnector, dovecot: Dovecot, box: str) -> None:
    dovecot.append(box, fixture("attachments_mixed.eml"))
    small = dataclasses.replace(connector, max_mail_bytes=10_000)
    (message,) = small.poll(None, PASSWORD, None).messages
    assert "only its beginning was read" in message.text and "(size unknown)" in message.text
    assert message.text.startswith("Subject: Damaged cake and wrong invoice\n\nHello Corner Bakery")


# Last in the module: Dovecot slows every later sign-in from an address after a failed one (its auth penalty).
def test_a_wrong_password_is_an_auth_error_that_never_shows_it(connector: EmailConnector) -> None:
    wrong = "not-the-app-password-123"
    with pytest.raises(AuthError, match="refused the sign-in") as caught:
        connector.poll(None, wrong, None)
    assert wrong not in str(caught.value) and wrong not in repr(caught.value.args)
    assert PASSWORD not in repr(connector)
