"""Wires the one-hour clock into the app, so the composition root needs only a few lines.

Order matters and is why this is in two steps: the triage cache and the due-ordered "Needs reply" source must exist
before the main window and the workers (``ClockFeature(core)``), the views and actions after them (``attach``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QWidget

from socialinbox.clock_settings import safe_policy, timezone_of
from socialinbox.responsetime import ResponsePolicy
from socialinbox.settings import Settings
from socialinbox.triage import Triage, TriageCache
from socialinbox.triage_file import load_priorities, save_priorities
from socialinbox.ui.due_source import due_sources
from socialinbox.wiring import Core

if TYPE_CHECKING:
    from socialinbox.sentiment import Analyzer
    from socialinbox.sync.reminders import ClockTick
    from socialinbox.ui.app import InboxApp
    from socialinbox.ui.clock import ClockView
    from socialinbox.ui.clock_actions import ClockActions, ReportsView


class ClockFeature:
    def __init__(self, core: Core, analyzer: Analyzer | None = None) -> None:
        self._core = core
        self._settings: Settings | None = None
        self._policy = ResponsePolicy()
        self.problem = ""  # a clock preference that cannot be read, for the status bar
        self.zone = ZoneInfo(timezone_of(core.settings))
        self.triage = TriageCache(Triage(analyzer))  # analyzer: the app's shared one (socialinbox.sentiment)
        load_priorities(core.paths.triage_file, self.triage)  # last run's: the first page paints without VADER
        # "Needs reply" reads through the core, which reads the first page without SQLAlchemy (wiring.Core).
        self.sources = due_sources(core, lambda: core.repository, self.policy, self.triage)
        self.tick: ClockTick | None = None  # made by ``attach``, with the workers
        self._report_triage = Triage(analyzer)  # on the task worker: sharing is safe, scoring only reads the lexicon
        self._window: QWidget | None = None
        self.view: ClockView | None = None
        self.actions: ClockActions | None = None

    def keep_priorities(self) -> None:
        """Keep the triage priorities for the next start (at quit, once the workers have stopped scoring)."""
        save_priorities(self._core.paths.triage_file, self.triage)

    def policy(self) -> ResponsePolicy:
        """The policy of the current preferences (read again only when the settings object is replaced)."""
        if self._core.settings is not self._settings:
            self._settings = self._core.settings
            self._policy, self.problem = safe_policy(self._settings)
        return self._policy

    def publish_through(self, publish: Callable[[object], None]) -> Callable[[object], None]:
        from socialinbox.sync.warm_triage import warm_then

        return warm_then(self.triage, publish)

    def attach(self, app: InboxApp) -> None:
        """The tick, the badges and the clock's actions: after the first paint (their imports are here for that)."""
        from socialinbox.sync.reminders import ClockTick, away_replies_from
        from socialinbox.template_store import TemplateStore
        from socialinbox.ui.clock import ClockView
        from socialinbox.ui.clock_actions import ClockActions

        core = self._core
        self.tick = ClockTick(
            core.repository,
            core.clock,
            self.policy,
            away_text=away_replies_from(lambda: core.settings, TemplateStore.in_folder(core.paths.config_dir).load),
        )
        self._window = app.window
        self.view = ClockView(
            app.window.inbox,
            self.policy,
            self.triage,
            core.clock.now,
            lambda: app.notifier,
            notifications_enabled=lambda: core.settings.notifications_enabled,
            tz=self.zone,
            parent=app.window,
        )
        self.actions = ClockActions(
            app.window,
            core.repository,
            app.tasks,
            self.policy,
            self.zone,
            core.clock.now,
            open_reports=self._open_reports,
            long_reads=app.downloads,
            parent=app.window,
        )
        self.actions.install()
        app.bridge.report_ready.connect(self.view.on_report_ready)
        app.bridge.report_ready.connect(self.actions.on_report_ready)

    def start(self, app: InboxApp) -> None:
        assert self.view is not None
        self.view.start()
        self.policy()
        if self.problem:
            app.window.show_message(self.problem, error=True)

    def _open_reports(self, actions: ClockActions) -> ReportsView:
        from socialinbox.reports import build_report
        from socialinbox.ui.dialogs.reports_dialog import ReportsDialog, local_range  # pygal loads here only

        core, zone, scorer = self._core, self.zone, self._report_triage.sentiment
        if actions.reports is not None and isinstance(actions.reports, ReportsDialog) and actions.reports.isVisible():
            actions.reports.raise_()
            return actions.reports

        def request(first: date, last: date) -> None:
            since, until = local_range(first, last, zone)

            def build() -> object:
                histories = core.repository.conversation_histories(since, until, scorer)
                return build_report(histories, since, until, core.clock.now(), self.policy(), zone)

            actions.request_report(first, last, build)

        today = core.clock.now().astimezone(zone).date()
        target = int(self.policy().target.total_seconds() // 60)
        dialog = ReportsDialog(request, today, target, parent=self._window)
        dialog.show()
        return dialog
