"""The one door from worker threads to the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class SyncBridge(QObject):
    """Create on the GUI thread; hand ``publish`` to the scheduler and the task runner as their result callback.

    Signals:
        report_ready(object): a SyncReport, DeliveryReport or TaskResult. Emitted on a worker thread; because
            this object lives on the GUI thread, Qt queues the call and connected slots run on the GUI thread.
    """

    report_ready = Signal(object)

    def publish(self, result: object) -> None:
        self.report_ready.emit(result)
