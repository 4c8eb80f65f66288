"""R4: hostile message content through real connectors into the GUI's inbox and conversation pane.

Nothing executes (no script, no live markup, only http(s) links), nothing is fetched (every request the app makes
goes to a fake platform's API, none to the hosts the content names, and the thread view is never asked for a
resource), no freeze (opening and painting each conversation, and painting the inbox, each under 100 ms), and the
text is shown faithfully (what the connector stored is what the pane shows, whitespace aside, up to the display cut).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from socialinbox.domain import Message, Visibility
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore, account_key
from socialinbox.templates import load_default_templates, suggest
from socialinbox.triage import Triage, TriageInput
from socialinbox.ui.app import InboxApp
from socialinbox.ui.controller import read_thread
from socialinbox.ui.thread_html import MAX_SHOWN_CHARS
from socialinbox.ui.views.conversation_pane import ThreadView
from socialinbox.wiring import build_core
from tests.faults import FaultTransport
from tests.reliability import figures
from tests.reliability.hostile import EVIL, MASTODON_CORPUS, TELEGRAM_CORPUS
from tests.reliability.platforms import mastodon_live, telegram_live

FREEZE_MS = 100.0


@pytest.fixture
def loaded_resources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def record(self: ThreadView, kind: int, name: QUrl) -> Any:
        asked.append(name.toString())
        return None

    monkeypatch.setattr(ThreadView, "loadResource", record)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: asked.append(f"opened {url.toString()}"))
    return asked


@pytest.fixture
def hostile_app(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[InboxApp, FaultTransport]]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    transport = FaultTransport({})
    with mastodon_live(_now) as mastodon, telegram_live(_now) as telegram:
        core = build_core(paths_in(tmp_path), transport=transport, secrets=MemorySecretStore())
        for live in (mastodon, telegram):
            transport.routes[live.host] = live.route
            account = core.repository.add_account(live.platform, "shop", core.clock.now(), settings=live.settings)
            core.secrets.set(account_key(account.id), live.token)
        for item in MASTODON_CORPUS:
            mastodon.customer_writes(html=item.content)
        for item in TELEGRAM_CORPUS:
            telegram.customer_writes(text=item.content)
        app = InboxApp(core)
        qtbot.addWidget(app.window)
        try:
            yield app, transport
        finally:
            app.shutdown()


def _now() -> datetime:
    return datetime.now(UTC)


def _shown(text: str) -> str:
    """Plain text as compared: HTML collapses runs of white space, Qt writes line breaks as U+2028."""
    return " ".join(text.replace("\u2028", "\n").replace("\xa0", " ").split())


def test_hostile_content_is_shown_as_text_never_run_never_fetched_and_never_freezes(
    hostile_app: tuple[InboxApp, FaultTransport], qtbot: QtBot, loaded_resources: list[str]
) -> None:
    app, transport = hostile_app
    expected = len(MASTODON_CORPUS) + len(TELEGRAM_CORPUS)
    app.start()
    qtbot.waitUntil(lambda: _stored(app) >= expected, timeout=20_000)
    qtbot.waitUntil(lambda: app.window.inbox_model.rowCount() > 0, timeout=10_000)

    painting = _best_ms(lambda: app.window.inbox.viewport().grab())
    assert painting < FREEZE_MS, f"painting the inbox took {painting:.0f} ms"

    slowest, shown_all = 0.0, ""
    for conversation in app.core.repository.conversations(limit=200):
        messages = app.core.repository.messages(conversation.id)
        elapsed = _time_opening(app, qtbot, conversation.id)
        slowest = max(slowest, elapsed)
        shown = _shown(app.window.pane.thread_view.toPlainText())
        for message in messages:
            _assert_faithful(message, shown)
        _assert_inert(app.window.pane.thread_view.toHtml())
        shown_all += shown + "\n"

    figures.record("R4", painting_inbox_ms=round(painting, 1), slowest_open_ms=round(slowest, 1))
    assert slowest < FREEZE_MS, f"opening a conversation took {slowest:.0f} ms"
    for item in (*MASTODON_CORPUS, *TELEGRAM_CORPUS):
        for words in item.visible:
            assert _shown(words) in shown_all, f"{item.name}: {words!r} not shown"
        for secret in item.hidden:
            assert secret not in shown_all, f"{item.name}: {secret!r} shown"
    assert loaded_resources == [], "the thread view asked for a resource or opened a link"
    hosts = {seen.host for seen in transport.plan.seen}
    assert not any(EVIL in host for host in hosts)
    assert hosts <= set(transport.routes), f"requests left for unknown hosts: {hosts - set(transport.routes)}"


def _stored(app: InboxApp) -> int:
    return sum(c.message_count for c in app.core.repository.conversations(limit=500))


def _time_opening(app: InboxApp, qtbot: QtBot, conversation_id: int) -> float:
    """Milliseconds on the GUI thread to show and paint a conversation, once it is opened (its thread is read on
    the task runner, off the GUI thread)."""
    pane = app.window.pane
    pane.show_conversation(None, [], [])
    app.controller.open_conversation(conversation_id)
    qtbot.waitUntil(lambda: pane.conversation is not None and pane.conversation.id == conversation_id, timeout=5000)
    thread = read_thread(app.core.repository, conversation_id)

    def show_and_paint() -> None:
        pane.show_conversation(None, [], [])
        pane.show_conversation(thread.conversation, thread.messages, thread.pending)
        pane.thread_view.viewport().grab()

    return _best_ms(show_and_paint)


def _best_ms(work: Callable[[], object]) -> float:
    """Milliseconds of the GUI thread's own CPU time (``thread_time``: what the window waits for, without the time a
    busy machine kept the thread off the CPU), the best of three after a warm-up (fonts load on first use)."""
    work()
    times = []
    for _ in range(3):
        started = time.thread_time()
        work()
        times.append((time.thread_time() - started) * 1000)
    return min(times)


def _assert_faithful(message: Message, shown: str) -> None:
    text = message.text
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS]
    assert _shown(text) in shown, f"message {message.remote_id} is not shown as stored"


def _assert_inert(document_html: str) -> None:
    lowered = document_html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    for href in re.findall(r'href="([^"]*)"', document_html):
        assert href.startswith(("https://", "http://")), f"a live link to {href!r}"


@pytest.mark.parametrize("flood", ["😀" * 10_000, "all work and no play " * 50_000, "x" * 1_000_000])
def test_scoring_and_suggesting_for_a_flood_message_stays_quick(flood: str) -> None:
    """What the GUI thread computes when a conversation opens (its mood, the templates that fit) is bounded."""
    triage, library = Triage(), load_default_templates()
    started = time.thread_time()
    triage.is_complaint(flood)
    triage.priority(TriageInput(flood, Visibility.PUBLIC))
    suggest(library, flood, None)
    assert (time.thread_time() - started) * 1000 < FREEZE_MS
