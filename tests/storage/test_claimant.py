"""Who claimed a reply: a stopped process of this computer is recognised, and nothing else is taken for stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from socialinbox.storage.claimant import has_stopped, this_process

posix_only = pytest.mark.skipif(os.name != "posix", reason="other systems leave a claim to lapse with time")


@posix_only
def test_a_process_of_this_computer_that_has_ended_has_stopped() -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert has_stopped(f"{socket.gethostname()}/{int(ended.stdout)}")


def test_this_process_and_one_still_running_have_not_stopped() -> None:
    assert not has_stopped(this_process())
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as running:
        try:
            assert not has_stopped(f"{socket.gethostname()}/{running.pid}")
        finally:
            running.kill()


@pytest.mark.parametrize("claimant", ["another-computer/1", f"{socket.gethostname()}/not-a-pid", "", "/"])
def test_a_claim_this_computer_cannot_check_is_left_to_lapse(claimant: str) -> None:
    assert not has_stopped(claimant)
