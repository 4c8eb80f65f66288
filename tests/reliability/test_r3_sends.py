"""R3: randomised sends with the network failing before or after the request reaches the platform.

Zero replies sent twice, zero lost, every failure shown with its reason. Each built connector runs on its fake platform
(Mastodon with its Idempotency-Key and reply lookup, Telegram without either); 120 sends each here, 500 in the long
run (``python -m tests.reliability.longrun``).
"""

from __future__ import annotations

import os

import pytest

from socialinbox.domain import Platform
from tests.conftest import FakeClock
from tests.reliability.platforms import CONNECTORS, runnable
from tests.reliability.sends import run_sends
from tests.reliability.world import World

SENDS = int(os.environ.get("SOCIALINBOX_R3_SENDS", "120"))  # the long run sends 500 per connector
SENDING = ("mastodon", "telegram", "bluesky")


@pytest.mark.parametrize("connector", SENDING)
def test_randomised_sends_are_never_doubled_never_lost_and_always_explained(
    connector: str, world: World, clock: FakeClock
) -> None:
    case = next(c for c in CONNECTORS if c.name == connector)
    if reason := runnable(case):
        pytest.skip(reason)
    assert case.start is not None
    with case.start(clock.now, "shop.example") as live:
        account = world.add(live)
        outcome = run_sends(world, live, account, SENDS, seed=20261123)

    texts = [f"Reply number {n} (thanks!)" for n in range(SENDS)]
    doubled = {text: n for text, n in outcome.on_platform.items() if n > 1}
    lost = [text for text in texts if outcome.on_platform[text] == 0]
    assert not doubled, f"sent twice: {list(doubled)[:5]}"
    assert not lost, f"never reached the customer: {lost[:5]}"
    assert outcome.reasonless_failures == 0
    assert outcome.failures_seen > SENDS // 10, "the network hardly failed: the test proves nothing"
    assert outcome.lost_answers > 0, "no failure after the request reached the platform was exercised"
    # The app never resends blindly after an uncertain failure: every extra request that reached the platform is one
    # the owner asked for after checking (where the app could not look the reply up on the platform itself).
    assert outcome.reaching_posts <= SENDS + outcome.owner_checks
    assert outcome.sent_rows + outcome.discarded == SENDS
    assert max(outcome.stored_replies.values()) == 1 and len(outcome.stored_replies) == outcome.sent_rows
    if live.platform is Platform.MASTODON:
        assert outcome.discarded == 0  # retrying with the same key never posts twice, so nothing needed discarding
