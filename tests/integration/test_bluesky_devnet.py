"""The Bluesky connector against a REAL local Bluesky network: the Bluesky team's ``@atproto/dev-env`` (PLC directory,
PDS and AppView on a throwaway PostgreSQL), started by ``../shared/peers/bluesky-devnet.sh``.

A customer mentions the shop, the app syncs with the real connector and stores through the real repository, the
shop replies with an emoji, a mention and a link, the customer answers the reply, and the shop answers again; the
devnet's control API then shows what the shop's repository really holds (``GET /shop-posts``), so reply refs and
facet byte offsets are checked as the network stored them.

Runs whenever node and npm are on the PATH (set ``SOCIALINBOX_SKIP_DEVNET=1`` to leave it out). The first run
installs dev-env with npm into ``BSKY_DEVNET_CACHE`` (default ``/tmp/bsky-peer/cache``, kept between runs) and takes
about 4 minutes; later runs start the network in about 11 s. Direct messages are not part of dev-env (the fake
covers them); its app passwords have no DM access, which the connector must notice by itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialinbox.bluesky_setup import connect_bluesky
from socialinbox.connectors.bluesky_chat import NO_DM_ACCESS
from socialinbox.connectors.bluesky_facets import facet_summary
from socialinbox.domain import Direction, OutboxState, Status, SyncReport
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.wiring import Core, build_core
from tests.specs import PROJECT_ROOT

SCRIPT = PROJECT_ROOT.parent / "shared" / "peers" / "bluesky-devnet.sh"
CACHE = Path(os.environ.get("BSKY_DEVNET_CACHE", "/tmp/bsky-peer/cache"))  # stable on purpose: the npm install
FIRST_INSTALL_TIMEOUT_S = 900
READY_TIMEOUT_S = 180


def _unavailable() -> str | None:
    if os.environ.get("SOCIALINBOX_SKIP_DEVNET"):
        return "SOCIALINBOX_SKIP_DEVNET is set"
    if not SCRIPT.exists():
        return f"needs {SCRIPT}: the shared test peers are not beside this checkout"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "the real Bluesky devnet needs node (20+) and npm on the PATH"
    return None


if (reason := _unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)
pytestmark = pytest.mark.slow


class Devnet:
    """The started network: its one JSON line of facts, and the control API that plays the customers."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self.facts = facts
        self.control = httpx.Client(base_url=facts["control_url"], timeout=60)

    def act(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.control.request(method, path, json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    log = tmp_path_factory.mktemp("devnet") / "devnet.log"
    env = {**os.environ, "DEVNET_PORT_BASE": "0", "BSKY_DEVNET_CACHE": str(CACHE)}
    installed = any(CACHE.glob("dev-env-*/.installed"))
    started = time.monotonic()
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            ["bash", str(SCRIPT)], stdout=subprocess.PIPE, stderr=stderr, env=env, start_new_session=True
        )
    try:
        line = _first_line(process, READY_TIMEOUT_S if installed else FIRST_INSTALL_TIMEOUT_S)
        if not line and not any(CACHE.glob("dev-env-*/.installed")):
            pytest.skip(f"could not install @atproto/dev-env with npm (offline?); see {log}")
        assert line, f"the devnet did not start; its log is {log}:\n{log.read_text(errors='replace')[-3000:]}"
        print(
            f"\nBluesky devnet ready in {time.monotonic() - started:.1f} s ({'cached' if installed else 'first run'})"
        )
        network = Devnet(json.loads(line))
        yield network
        with contextlib.suppress(httpx.HTTPError):
            network.control.post("/stop")
        network.control.close()
    finally:
        _stop(process)


def _first_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The devnet's one line of facts, or "" when it exits or the time runs out first."""
    assert process.stdout is not None
    found: list[bytes] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    return found[0].decode().strip() if found else ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Let the script clean up (it stops PostgreSQL and deletes its data); then make sure, by its own group id."""
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the script's trap stops node and PostgreSQL
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this test started, and nothing else
            process.wait(timeout=10)


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    built = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    yield built
    built.close()


def test_a_customer_thread_round_trip_on_the_real_network(devnet: Devnet, core: Core) -> None:
    facts = devnet.facts
    ana = facts["customers"][0]
    shop = connect_bluesky(
        core, facts["shop_handle"], facts["shop_app_password"], service_url=facts["pds_url"], plc_url=facts["plc_url"]
    )
    assert shop.settings["did"] == facts["shop_did"]
    assert shop.settings["pds_url"].startswith("http://localhost:")  # taken from the DID document, not typed

    mention = devnet.act("POST", "/mention", {"from": ana["handle"], "text": "Hi 👋 is the rye bread back?"})
    first = _poll_until_new(core, shop.id)
    assert NO_DM_ACCESS in first.warnings  # dev-env app passwords cannot read DMs: said, not failed
    (conversation,) = first.conversations
    assert conversation.contact.handle == ana["handle"] and conversation.status is Status.NEEDS_REPLY

    text = f"🥖🍞 Yes @{ana['handle']}! Today's list: https://crumb.shop/menu"
    _reply(core, conversation.id, text)
    posted = _shop_posts(devnet)[0]
    strong = {"uri": mention["uri"], "cid": mention["cid"]}
    assert posted["text"] == text and posted["reply"] == {"root": strong, "parent": strong}
    assert facet_summary(posted["facets"], text) == [
        ("mention", f"@{ana['handle']}"),
        ("link", "https://crumb.shop/menu"),
    ]
    assert posted["facets"][0]["index"] == {"byteStart": 13, "byteEnd": 13 + len(ana["handle"]) + 1}
    assert posted["facets"][0]["features"][0]["did"] == ana["did"]

    devnet.act("POST", "/flush")  # a customer answers what they have seen: the AppView has indexed our reply
    answer = devnet.act("POST", "/reply-to-shop", {"from": ana["handle"], "uri": posted["uri"], "text": "Two please!"})
    second = _poll_until_new(core, shop.id)
    assert [m.text for m in second.new_messages] == ["Two please!"]
    assert second.conversations[0].id == conversation.id  # threaded under the shop's reply
    thread = core.repository.messages(conversation.id)
    assert [m.direction for m in thread] == [Direction.INBOUND, Direction.OUTBOUND, Direction.INBOUND]

    _reply(core, conversation.id, "Set aside for you 🙂")
    latest = _shop_posts(devnet)[0]
    assert latest["reply"] == {"root": strong, "parent": {"uri": answer["uri"], "cid": answer["cid"]}}
    assert latest["facets"] is None


def _poll_until_new(core: Core, account_id: int, timeout: float = 20.0) -> SyncReport:
    """Poll as the scheduler would until something new arrives: the AppView indexes notifications a moment after
    the post (under load, even after the control API's flush)."""
    deadline = time.monotonic() + timeout
    while True:
        report = core.service.poll_account(account_id)
        assert report.ok, report.error
        if report.new_messages or time.monotonic() > deadline:
            return report
        time.sleep(0.5)


def _reply(core: Core, conversation_id: int, text: str) -> None:
    core.repository.queue_reply(conversation_id, text, core.clock.now())
    (delivery,) = core.sender.send_due()
    assert delivery.item.state is OutboxState.SENT, delivery.item.last_error


def _shop_posts(devnet: Devnet) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = devnet.act("GET", "/shop-posts")
    return sorted(posts, key=lambda post: post["createdAt"], reverse=True)
