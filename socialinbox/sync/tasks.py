"""The owner's actions that write or reach the network (send, mark done, add an account) run here, off the
GUI thread, one at a time, and report back through the same callback as polls: the one door between threads.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from socialinbox.storage.problems import StorageUnavailable

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class TaskResult:
    """What came of one task: its value, or the error to show the owner."""

    name: str
    value: Any = None
    error: str = ""
    context: Any = None  # whatever the caller wants back with the result (e.g. the conversation id)

    @property
    def ok(self) -> bool:
        return not self.error


class BackgroundTasks:
    def __init__(self, on_result: Callable[[object], None]) -> None:
        self._on_result = on_result
        # One worker: writes stay in the order the owner made them.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socialinbox-task")
        self._closed = False

    def run(self, name: str, work: Callable[[], Any], context: Any = None) -> Future[None]:
        """Run ``work`` after those before it. Once shut down (the app is quitting, and a result that was already
        on its way asks for more), the task is dropped: its future comes back cancelled."""
        if self._closed:
            log.debug("task %s dropped: the runner has shut down", name)
            dropped: Future[None] = Future()
            dropped.cancel()
            return dropped
        return self._executor.submit(self._run, name, work, context)

    def _run(self, name: str, work: Callable[[], Any], context: Any) -> None:
        try:
            result = TaskResult(name, work(), context=context)
        except (LookupError, ValueError, StorageUnavailable) as error:  # the owner can act on these as worded
            result = TaskResult(name, error=str(error), context=context)
        except Exception as error:
            log.exception("task %s failed", name)
            result = TaskResult(
                name, error=f"Something went wrong ({type(error).__name__}); see the log.", context=context
            )
        self._on_result(result)

    def shutdown(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=False)
