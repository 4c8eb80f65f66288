"""R2 for e-mail: the connector against the real Dovecot behind the fault-injecting proxy of tests/mail_faults.py.

Each row of tests/faults.py's catalogue has a mail counterpart (``imap_faults``: NO [AUTHENTICATIONFAILED] for a
401, NO [UNAVAILABLE] for a 503, a stalled answer for a timeout, garbage for malformed JSON...); the data faults
(a wrong charset label, a 50 MB mail, invalid UTF-8 in the headers) are real mails in the mailbox. What must hold
is R2's: no crash, the account shows the right state and message, another e-mail account on the same server keeps
syncing, and once the server recovers every mail is stored exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from socialinbox.domain import Health, Platform
from socialinbox.secrets import account_key
from tests.conftest import FakeClock
from tests.connectors.mail_servers import PASSWORD, Dovecot, SmtpSink
from tests.mail_faults import HUGE_BYTES, IMAP_HOW, MailFault, imap_faults
from tests.reliability import figures
from tests.reliability.mail_platform import MailShop, customer_mail, mail_servers, mail_shop, unavailable
from tests.reliability.world import World

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
if (reason := unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)

_TRANSIENT = {Health.TRANSIENT_ERROR}
EXPECTED: dict[str, set[Health]] = {
    "401": {Health.NEEDS_RECONNECT},
    "403": {Health.NEEDS_RECONNECT},
    "429": {Health.RATE_LIMITED},
    "503": {Health.RATE_LIMITED},  # [UNAVAILABLE]: the connector waits THROTTLE_WAIT_S before asking again
    **{
        name: _TRANSIENT
        for name in (
            "404", "500", "502", "bye_greeting", "timeout", "connect_timeout", "refused", "reset", "cut_body",
            "malformed_json", "truncated_json", "html_error_page",
        )
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Dovecot, SmtpSink]]:
    with mail_servers() as both:
        yield both


@pytest.fixture
def shops(servers: tuple[Dovecot, SmtpSink]) -> Iterator[tuple[MailShop, MailShop]]:
    with mail_shop(*servers, seed=1) as faulty, mail_shop(*servers, seed=2) as healthy:
        yield faulty, healthy


def test_every_mail_fault_has_an_expectation_and_a_description() -> None:
    assert (
        set(EXPECTED)
        == set(imap_faults())
        == set(IMAP_HOW) - {"huge_body", "wrong_content_type", "invalid_utf8", "tls_failure"}
    )


@pytest.mark.parametrize("fault_name", sorted(imap_faults()))
def test_email_survives_fault_and_loses_nothing_once_the_server_recovers(
    fault_name: str, world: World, clock: FakeClock, shops: tuple[MailShop, MailShop]
) -> None:
    faulty, healthy = shops
    hit, other = faulty.add_to(world), healthy.add_to(world)
    faulty.customer_writes(3, clock.now())
    healthy.customer_writes(2, clock.now())
    assert world.service.poll_account(hit).ok and world.service.poll_account(other).ok

    faulty.imap_proxy.inject(imap_faults()[fault_name])
    faulty.customer_writes(2, clock.now())
    healthy.customer_writes(2, clock.now())
    report = world.service.poll_account(hit)  # must not raise, whatever came back
    account = report.account
    assert faulty.imap_proxy.met, "the fault never struck: the row proves nothing"
    assert account.health in EXPECTED[fault_name], report.error
    assert report.error and account.health_detail == report.error
    assert PASSWORD not in report.error
    if account.health is Health.RATE_LIMITED:
        assert account.next_poll_at is not None and account.next_poll_at - clock.now() >= timedelta(minutes=4)
    figures.record("R2", connector="email", fault=fault_name, health=account.health.value, shown=report.error)

    assert world.service.poll_account(other).ok, "the other e-mail account stopped syncing"
    world.assert_exactly_once(other, healthy.remote_ids())

    faulty.imap_proxy.clear()
    world.assert_recovers(clock, account, faulty.remote_ids())


def test_a_50_mb_mail_is_read_only_in_part_and_stored_once(
    world: World, clock: FakeClock, shops: tuple[MailShop, MailShop]
) -> None:
    faulty, _ = shops
    hit = faulty.add_to(world)
    assert world.service.poll_account(hit).ok
    huge = b"Here is the photo of the cake.\r\n" + b"A" * 76 * 1024 + b"\r\n"
    body = huge * (50 * 1024 * 1024 // len(huge))
    faulty.deliver_raw(customer_mail("cake@customers.example", 1, clock.now(), body=body), "cake@customers.example")
    faulty.customer_writes(1, clock.now())
    before = sum(faulty.imap_proxy.to_client_bytes)
    report = world.service.poll_account(hit)
    assert report.ok, report.error
    served = sum(faulty.imap_proxy.to_client_bytes) - before
    assert served < 2 * 1024 * 1024, f"the app read {served} bytes of a 50 MB mail"
    figures.record("R2", connector="email", fault="huge_body", health=report.account.health.value, shown=report.error)
    world.assert_exactly_once(hit, faulty.remote_ids())


@pytest.mark.parametrize(
    ("fault_name", "options", "shown"),
    [
        # the label says UTF-8, the bytes are Latin-1; then a label that names no charset at all
        ("wrong_content_type", {"body": "Crème brûlée?\r\n".encode("latin-1")}, "Cr"),
        ("wrong_content_type", {"body": "Tarte für 8?\r\n".encode(), "charset": "x-no-such-charset"}, "Tarte f"),
        # raw bytes that are no UTF-8 in the Subject, a From name and the body
        (
            "invalid_utf8",
            {
                "subject": "Bestellung",
                "headers": b"X-Note: \xff\xfe\xc3\x28\r\n",
                "body": b"Gr\xfc\xdfe \xc3\x28 ok\r\n",
            },
            "ok",
        ),
    ],
)
def test_badly_encoded_mail_is_stored_once_as_text(
    fault_name: str,
    options: dict[str, object],
    shown: str,
    world: World,
    clock: FakeClock,
    shops: tuple[MailShop, MailShop],
) -> None:
    faulty, _ = shops
    hit = faulty.add_to(world)
    remote_id = "odd@customers.example"
    raw = customer_mail(remote_id, 3, clock.now(), **options)  # type: ignore[arg-type]
    if fault_name == "invalid_utf8":
        raw = raw.replace(b"From: Customer 3", b"From: Kund\xe9 \xff3")
    faulty.deliver_raw(raw, remote_id)
    report = world.service.poll_account(hit)
    assert report.ok, report.error
    figures.record("R2", connector="email", fault=fault_name, health=report.account.health.value, shown=report.error)
    world.assert_exactly_once(hit, faulty.remote_ids())
    (message,) = report.new_messages
    assert shown in message.text and "\x00" not in message.text


def test_a_server_that_sends_a_50_mb_literal_unasked_is_not_read_to_the_end(
    world: World, clock: FakeClock, shops: tuple[MailShop, MailShop]
) -> None:
    """A broken or hostile server answers the FETCH with 50 MB: the app stops reading long before the end."""
    faulty, _ = shops
    hit = faulty.add_to(world)
    faulty.customer_writes(1, clock.now())
    faulty.imap_proxy.inject(MailFault("huge_literal", "huge_literal", rb"^\S+ UID FETCH .*BODY\.PEEK"))
    report = world.service.poll_account(hit)
    served = max(faulty.imap_proxy.to_client_bytes)
    assert served < HUGE_BYTES // 2, f"the app read {served} bytes of a 50 MB literal"
    assert report.account.health is Health.TRANSIENT_ERROR, report.error
    faulty.imap_proxy.clear()
    clock.advance(hours=1)
    assert world.service.poll_account(hit).ok
    world.assert_exactly_once(hit, faulty.remote_ids())


def test_tls_asked_of_a_plain_port_is_a_clear_transient_error_and_the_right_setting_recovers(
    world: World, clock: FakeClock, shops: tuple[MailShop, MailShop]
) -> None:
    """The TLS row: the fixtures speak plain IMAP on loopback, so TLS fails the way a wrong port or setting does."""
    faulty, _ = shops
    faulty.customer_writes(1, clock.now())
    account = world.repo.add_account(
        Platform.EMAIL, "tls-shop", clock.now(), settings={**faulty.settings, "imap_security": "tls"}
    )
    world.secrets.set(account_key(account.id), PASSWORD)
    report = world.service.poll_account(account.id)
    assert report.account.health is Health.TRANSIENT_ERROR and "check the port and security" in report.error
    figures.record("R2", connector="email", fault="tls_failure", health=report.account.health.value, shown=report.error)
    fixed = faulty.add_to(world)
    assert world.service.poll_account(fixed).ok
    world.assert_exactly_once(fixed, faulty.remote_ids())
