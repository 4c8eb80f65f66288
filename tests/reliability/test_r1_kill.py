"""R1: a syncing process killed with SIGKILL at random moments and restarted, again and again.

No message lost, none stored twice, the cursor never ahead of the stored messages, ``PRAGMA integrity_check`` ok
after every kill, and no reply posted twice. About ten kills here; a hundred in the long run
(``python -m tests.reliability.longrun``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.reliability.kills import run_kills

KILLS = int(os.environ.get("SOCIALINBOX_R1_KILLS", "10"))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork are POSIX")
def test_sigkill_at_random_moments_loses_nothing_doubles_nothing_and_damages_nothing(tmp_path: Path) -> None:
    outcome = run_kills(tmp_path, KILLS, seed=KILLS)
    assert not outcome.problems, "\n".join(outcome.problems[:20])
    assert outcome.killed >= KILLS // 2, f"only {outcome.killed} of {KILLS} runs were killed mid-way: nothing proved"
    assert outcome.stored == outcome.on_servers
    assert outcome.replies_posted_twice == 0
    assert outcome.replies_sent + outcome.replies_interrupted == outcome.replies_queued
