"""Single instance: a second start of the real app hands its request to the first copy and exits 0; malformed
requests are answered "error" and never reach the app. Whether a copy runs is told by the folder's lock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from pytestqt.qtbot import QtBot

from socialinbox.paths import paths_in
from socialinbox.ui.instance_lock import FolderLock
from socialinbox.ui.single_instance import (
    Request,
    SingleInstance,
    decode,
    hand_over,
    listen_for_later_starts,
    send_to_running,
    server_name,
    startup_request,
)


@pytest.fixture
def first_copy(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[SingleInstance, list[Request]]]:
    """What a running copy has once its window is up: the folder's lock, and its server listening."""
    lock = FolderLock(paths_in(tmp_path / "shop"))
    assert lock.take()
    received: list[Request] = []
    instance = listen_for_later_starts(paths_in(tmp_path / "shop"), received.append)
    yield instance, received
    instance.close()
    lock.release()


def _second_start(data_dir: Path, *arguments: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    command = [sys.executable, "-m", "socialinbox", "--data-dir", str(data_dir), *arguments]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_a_second_start_of_the_app_hands_over_its_request_and_exits_zero(
    first_copy: tuple[SingleInstance, list[Request]], tmp_path: Path, qtbot: QtBot
) -> None:
    _, received = first_copy
    process = _second_start(tmp_path / "shop", "--open", "42")
    qtbot.waitUntil(lambda: process.poll() is not None, timeout=30_000)
    _, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert received == [Request("open-conversation", 42)]
    assert not (tmp_path / "shop" / "inbox.sqlite3").exists()  # it never opened the database


def test_a_start_while_the_first_copy_is_still_painting_waits_until_it_listens(tmp_path: Path, qtbot: QtBot) -> None:
    # The first copy takes the lock at once but opens its server only after its first paint.
    lock = FolderLock(paths_in(tmp_path / "shop"))
    assert lock.take()
    received: list[Request] = []
    instance: SingleInstance | None = None
    process = _second_start(tmp_path / "shop", "--open", "7")
    try:
        qtbot.wait(1500)  # longer than a second start takes to find the lock held
        assert process.poll() is None  # still waiting to hand over, and no window of its own
        instance = listen_for_later_starts(paths_in(tmp_path / "shop"), received.append)
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=30_000)
        assert process.returncode == 0, process.communicate()[1]
        assert received == [Request("open-conversation", 7)]
        assert not (tmp_path / "shop" / "inbox.sqlite3").exists()
    finally:
        if process.poll() is None:
            process.kill()
        if instance is not None:
            instance.close()
        lock.release()


def test_hand_over_gives_up_when_the_lock_holder_never_listens(tmp_path: Path) -> None:
    assert hand_over(paths_in(tmp_path / "shop"), Request("show"), wait_s=0.3) is False


def test_one_lock_per_folder_until_it_is_released(tmp_path: Path) -> None:
    first, second = FolderLock(paths_in(tmp_path / "shop")), FolderLock(paths_in(tmp_path / "shop"))
    assert first.take()
    assert not second.take()
    assert FolderLock(paths_in(tmp_path / "other")).take()
    first.release()
    assert second.take()
    second.release()


def test_the_lock_of_a_copy_that_crashed_does_not_block_the_next_start(tmp_path: Path) -> None:
    crashed = (
        "import os, sys; from pathlib import Path; from socialinbox.paths import paths_in;"
        "from socialinbox.ui.instance_lock import FolderLock;"
        "lock = FolderLock(paths_in(Path(sys.argv[1]))); assert lock.take(); os._exit(0)"  # ends holding it
    )
    subprocess.run([sys.executable, "-c", crashed, str(tmp_path / "shop")], check=True, timeout=60)
    assert paths_in(tmp_path / "shop").instance_lock.exists()  # left behind, naming a process that is gone
    lock = FolderLock(paths_in(tmp_path / "shop"))
    assert lock.take()
    lock.release()


def test_a_data_folder_that_cannot_be_made_starts_anyway_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("in the way", encoding="utf-8")
    assert FolderLock(paths_in(tmp_path / "a-file" / "shop")).take() is True
    assert "not checking for another copy" in caplog.text


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs a folder this user cannot write")
def test_a_folder_that_cannot_hold_a_lock_starts_anyway_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "shop"
    paths_in(folder).create()
    folder.chmod(0o500)
    try:
        assert FolderLock(paths_in(folder)).take() is True
        assert "not checking for another copy" in caplog.text
    finally:
        folder.chmod(0o700)


def test_start_options_become_requests() -> None:
    assert startup_request() == Request("show")
    assert startup_request(demo=True) == Request("demo")
    assert startup_request(demo=True, open_conversation=3) == Request("open-conversation", 3)


def _raw_exchange(name: str, data: bytes, qtbot: QtBot) -> bytes:
    client = QLocalSocket()
    client.connectToServer(name)
    assert client.waitForConnected(1000)
    client.write(data)
    client.flush()
    answer = bytearray()

    def answered() -> bool:
        answer.extend(bytes(client.readAll().data()))
        return answer.endswith(b"\n")

    qtbot.waitUntil(answered, timeout=3000)
    return bytes(answer)


@pytest.mark.parametrize(
    "data",
    [
        b"quit\n",
        b"show now\n",
        b"open-conversation\n",
        b"open-conversation -1\n",
        b"open-conversation 0\n",
        b"open-conversation 1e9\n",
        b"open-conversation 99999999999999999999\n",
        "open-conversation ４２\n".encode(),
        b"\xff\xfe\n",
        b"show" + b" " * 80 + b"\n",
    ],
)
def test_malformed_requests_are_answered_error_and_dropped(
    first_copy: tuple[SingleInstance, list[Request]], qtbot: QtBot, data: bytes
) -> None:
    instance, received = first_copy
    assert _raw_exchange(instance.name, data, qtbot) == b"error\n"
    qtbot.wait(50)
    assert received == []


def test_a_valid_request_is_answered_ok(first_copy: tuple[SingleInstance, list[Request]], qtbot: QtBot) -> None:
    instance, received = first_copy
    assert _raw_exchange(instance.name, b"open-conversation 7\n", qtbot) == b"ok\n"
    qtbot.waitUntil(lambda: received == [Request("open-conversation", 7)], timeout=2000)


def test_nothing_running_means_no_hand_over(tmp_path: Path) -> None:
    assert send_to_running(server_name(tmp_path / "nobody"), Request("show"), timeout_ms=200) is False


def test_a_second_listener_on_the_same_folder_is_refused(
    first_copy: tuple[SingleInstance, list[Request]], tmp_path: Path
) -> None:
    second = SingleInstance(server_name(tmp_path / "shop"))
    assert second.listen() is False


def test_the_server_is_for_this_user_only(first_copy: tuple[SingleInstance, list[Request]]) -> None:
    instance, _ = first_copy
    assert instance._server.socketOptions() == QLocalServer.SocketOption.UserAccessOption
    if sys.platform != "win32":
        socket_file = Path(instance._server.fullServerName())
        assert socket_file.stat().st_mode & 0o077 == 0


def test_folders_and_users_get_different_names(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert server_name(tmp_path / "a") == server_name(tmp_path / "x" / ".." / "a")


def test_request_lines_round_trip() -> None:
    for request in (Request("show"), Request("demo"), Request("open-conversation", 2**63 - 1)):
        assert decode(request.encode()) == request


def test_a_socket_left_by_a_crashed_copy_does_not_block_the_next_start(tmp_path: Path) -> None:
    name = server_name(tmp_path / "crashed")
    if sys.platform == "win32":
        pytest.skip("named pipes vanish with the process")
    leftover = Path(QDir.tempPath()) / name  # where Qt puts a server named without a path
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(leftover))  # bound, never listening: what a crash leaves behind
    dead.close()
    try:
        instance = SingleInstance(name)
        assert instance.listen() is True
        instance.close()
    finally:
        leftover.unlink(missing_ok=True)


def test_a_name_that_cannot_be_listened_on_is_told_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A socket in a folder that is not there: listen() fails with a server error the stale-socket check must compare
    # with QLocalServer's own error type (it once named a member QLocalSocket does not have, and raised).
    instance = SingleInstance(str(tmp_path / "no-such-folder" / "socialinbox"))
    try:
        assert instance.listen() is False
        assert "cannot listen on" in caplog.text
    finally:
        instance.close()
