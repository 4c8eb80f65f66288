"""Crash reports: where the error happened, never what it was about; owner-only files; every thread covered."""

from __future__ import annotations

import stat
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox import __version__
from socialinbox.crash import CrashHandler, crash_report_text
from socialinbox.redaction import Redactor

CUSTOMER_TEXT = "Is the blue mug back in stock? My card is 4111 1111 1111 1111"
TOKEN = "sk-live-0123456789abcdef"
WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _failing(text: str) -> None:
    raise KeyError(text)


def _caught() -> BaseException:
    try:
        try:
            _failing(CUSTOMER_TEXT)
        except KeyError as error:
            raise RuntimeError(f"token {TOKEN} rejected") from error
    except RuntimeError as error:
        return error
    raise AssertionError("not reached")


def test_report_names_types_and_frames_but_no_message_text_or_token() -> None:
    error = _caught()
    text = crash_report_text(error, error.__traceback__, when=WHEN)
    assert f"version: {__version__}" in text
    assert "builtins.KeyError" in text and "builtins.RuntimeError" in text
    assert text.index("KeyError") < text.index("RuntimeError")  # the cause first, as it happened
    assert "in _failing" in text
    assert "Is the blue mug" not in text and "4111" not in text
    assert TOKEN not in text


def test_a_secret_in_a_code_line_is_masked_by_the_redactor() -> None:
    redactor = Redactor()
    redactor.add("hunter2-secret-value")
    try:
        raise ValueError("x") from None  # hunter2-secret-value
    except ValueError as error:
        text = crash_report_text(error, error.__traceback__, when=WHEN, redactor=redactor)
    assert "hunter2-secret-value" not in text


def test_unhandled_error_on_a_worker_thread_writes_an_owner_only_report(tmp_path: Path) -> None:
    seen: list[Path] = []
    handler = CrashHandler(tmp_path / "crash-reports", on_report=seen.append, now=lambda: WHEN)
    handler.install()
    try:
        worker = threading.Thread(target=_failing, args=(CUSTOMER_TEXT,), name="poll-worker")
        worker.start()
        worker.join()
    finally:
        handler.uninstall()
    [report] = seen
    assert report.parent == tmp_path / "crash-reports"
    assert "thread: poll-worker" in report.read_text()
    assert CUSTOMER_TEXT not in report.read_text()
    if sys.platform != "win32":
        assert stat.S_IMODE(report.stat().st_mode) == 0o600
        assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700


def test_main_thread_hook_writes_a_report_and_uninstall_restores_the_previous_hooks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (sys.excepthook, threading.excepthook)
    handler = CrashHandler(tmp_path, now=lambda: WHEN)
    handler.install()
    try:
        error = _caught()
        sys.excepthook(type(error), error, error.__traceback__)
    finally:
        handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1
    assert "RuntimeError" in capsys.readouterr().err  # the interpreter's own printing still happens


def test_keyboard_interrupt_is_not_a_crash(tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path)
    assert handler.report(KeyboardInterrupt(), None) is None
    assert not list(tmp_path.iterdir())


def test_a_report_that_cannot_be_written_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    handler = CrashHandler(blocker / "reports")
    assert handler.report(_caught(), None) is None
