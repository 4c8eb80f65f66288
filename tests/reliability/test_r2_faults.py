"""R2: every connector against every fault of tests/faults.py, through the real sync service and storage.

What must hold for each (connector, fault): no crash (the account never ends up "broken", nothing raises), the
account shows the state the fault means with a message for the owner, a second account on the same platform keeps
syncing through the same shared client, a rate limit is waited out as long as the platform asked, and once the
server recovers every message is stored exactly once.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from socialinbox.connectors.http import MAX_BODY_BYTES
from socialinbox.domain import Health
from tests.conftest import FakeClock
from tests.fault_server import FaultServer
from tests.faults import CATALOGUE, HUGE_BODY_BYTES, FaultPlan, faults_for
from tests.reliability import figures
from tests.reliability.platforms import (
    CONNECTORS,
    OWN_FAULT_LAYER,
    ConnectorCase,
    FakeMastodon,
    mastodon_live,
    runnable,
)
from tests.reliability.world import World, make_world

RETRY_AFTER_S = 37.0


def _case(name: str) -> ConnectorCase:
    return next(c for c in CONNECTORS if c.name == name)


def connector_params() -> list[object]:
    """Every HTTP connector the suite knows; the ones not built yet are skipped, saying so (before any set-up runs).
    E-mail's rows are in test_r2_mail.py."""
    return [
        pytest.param(c.name, marks=pytest.mark.skip(reason=runnable(c))) if runnable(c) else c.name
        for c in CONNECTORS
        if c.platform not in OWN_FAULT_LAYER
    ]


@pytest.mark.parametrize("fault_name", CATALOGUE)
@pytest.mark.parametrize("connector", connector_params())
def test_connector_survives_fault_and_loses_nothing_once_the_server_recovers(
    connector: str, fault_name: str, world: World, clock: FakeClock
) -> None:
    case = _case(connector)
    assert case.start is not None
    with case.start(clock.now, "faulty.example") as faulty, case.start(clock.now, "healthy.example") as healthy:
        hit, other = world.add(faulty), world.add(healthy)
        faulty.customer_writes(3)
        healthy.customer_writes(2)
        assert world.service.poll_account(hit).ok and world.service.poll_account(other).ok

        world.plan.inject(faults_for(faulty.style, clock.now(), RETRY_AFTER_S)[fault_name], host=faulty.host)
        faulty.customer_writes(2)
        healthy.customer_writes(2)
        report = world.service.poll_account(hit)  # must not raise, whatever came back
        account = report.account
        assert account.health in case.expected_health[fault_name], report.error
        assert account.health is not Health.BROKEN
        if account.health is not Health.CONNECTED:
            assert report.error and account.health_detail == report.error
            assert faulty.token not in report.error
        if account.health is Health.RATE_LIMITED:
            assert account.next_poll_at is not None
            assert account.next_poll_at - clock.now() >= timedelta(seconds=RETRY_AFTER_S - 1)
        if fault_name == "huge_body":
            assert world.plan.huge_bytes_served[0] <= MAX_BODY_BYTES + 64 * 1024, (
                "the 50 MB answer was read past the cap"
            )

        figures.record("R2", connector=connector, fault=fault_name, health=account.health.value, shown=report.error)
        assert world.service.poll_account(other).ok, "the other account stopped syncing"
        world.assert_exactly_once(other, healthy.remote_ids())

        world.plan.clear()
        world.assert_recovers(clock, account, faulty.remote_ids())


@pytest.mark.parametrize("fault_name", ["reset", "cut_body", "timeout", "huge_body", "refused"])
def test_socket_level_faults_on_a_real_connection_are_transient(
    fault_name: str, tmp_path: Path, clock: FakeClock
) -> None:
    """The same faults realised on a real TCP connection (a reset is a real RST, a cut body a real early close)."""
    fake = FakeMastodon("127.0.0.1", now=clock.now)
    plan = FaultPlan()
    with FaultServer(fake, plan, hang_s=1.0) as server, httpx.Client(timeout=httpx.Timeout(0.5)) as client:
        world = make_world(tmp_path, clock, client=client)
        with mastodon_live(clock.now) as live:
            live.settings["instance_url"] = server.base_url
            account = world.add(live)
        fake.customer_writes(2)
        assert world.service.poll_account(account).ok
        plan.inject(faults_for(live.style, clock.now())[fault_name])
        fake.customer_writes(2)
        report = world.service.poll_account(account)
        assert report.account.health is Health.TRANSIENT_ERROR, report.error
        # The kernel's socket buffers take a few MB the app never reads; the app must stop long before 50 MB.
        assert plan.huge_bytes_served[0] < HUGE_BODY_BYTES // 2
        plan.clear()
        clock.advance(hours=1)
        assert world.service.poll_account(account).ok
        world.assert_exactly_once(account, fake.remote_ids())
        world.engine.dispose()


def test_every_row_of_the_catalogue_has_an_expectation_for_every_built_connector() -> None:
    for case in CONNECTORS:
        if runnable(case):
            continue
        assert set(case.expected_health) == set(CATALOGUE), case.name


def test_a_fault_late_in_a_long_catch_up_keeps_the_pages_before_it(world: World, clock: FakeClock) -> None:
    """A backlog of many pages on a flaky network must make progress: all-or-nothing never caught up (R8)."""
    with mastodon_live(clock.now) as live:
        account = world.add(live)
        live.customer_writes(2)
        assert world.service.poll_account(account).ok
        live.customer_writes(200)  # five pages of 40
        world.plan.inject(faults_for(live.style, clock.now())["500"], host=live.host, path="/notifications", skip=2)
        report = world.service.poll_account(account)
        assert report.ok and len(report.new_messages) == 80  # the two pages that came in are kept
        world.plan.clear()
        clock.advance(minutes=5)
        assert world.service.poll_account(account).ok
        world.assert_exactly_once(account, live.remote_ids())
