"""R8: a day compressed by a fake clock: five accounts and, where the real mail servers run, an e-mail shop, faults
on every real platform, the owner at work, the reminder tick running. Memory must not grow by 10% after warm-up,
nothing may be lost or doubled, and every reminder fires once. 1,000 messages in 30-minute rounds here; 100,000 in
1-minute rounds in the long run.
"""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import event

from socialinbox.domain import PollResult
from tests.fakes import customer, remote_message
from tests.reliability.soak import run_soak, soak_mail
from tests.reliability.world import World

MESSAGES = int(os.environ.get("SOCIALINBOX_R8_MESSAGES", "1000"))
STEP_MINUTES = float(os.environ.get("SOCIALINBOX_R8_STEP_MINUTES", "30"))


def test_a_compressed_day_loses_nothing_fires_each_reminder_once_and_does_not_grow(world: World) -> None:
    with soak_mail() as mail:  # the e-mail shop, where the real mail servers can run here (CI installs them)
        outcome = run_soak(world, MESSAGES, step=timedelta(minutes=STEP_MINUTES), mail=mail)
    assert outcome.faults_met > 0, "no fault was injected: the run proves nothing"
    assert outcome.stored == outcome.written, f"{outcome.written - outcome.stored} messages lost"
    if mail is not None:
        assert outcome.mail_written > 0 and outcome.mail_stored == outcome.mail_written
        assert outcome.mail_sent_twice == 0
    assert outcome.doubles == 0
    assert outcome.demo_stored > 0 and outcome.replies_sent > 0
    assert outcome.reminders_delivered > 0
    assert outcome.reminders_twice == 0
    assert outcome.overdue_missed == 0
    if outcome.memory_after_warmup_mb:
        assert outcome.memory_growth < 0.10, f"memory grew {outcome.memory_growth:.1%} after warm-up"


def test_polls_of_every_size_prepare_only_a_few_insert_statements(world: World) -> None:
    """Found by R8: every distinct row count made a new multi-row INSERT, and sqlite3 keeps up to 128 prepared
    statements per connection (a 1,000-row one is most of a megabyte): the process grew 12% over the day."""
    shapes: set[str] = set()

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("INSERT INTO message "):
            shapes.add(statement)

    event.listen(world.engine, "before_cursor_execute", seen)
    account = world.add_demo()
    moment = world.clock.now()
    for size in range(1, 61):
        messages = tuple(
            remote_message(f"m{size}-{n}", author=customer(n), sent_at=moment, thread_key=f"t{size}-{n}")
            for n in range(size)
        )
        world.repo.save_poll(account, PollResult(messages, str(size)), moment)
    event.remove(world.engine, "before_cursor_execute", seen)
    assert 0 < len(shapes) <= 8, f"{len(shapes)} differently sized INSERT statements for 60 poll sizes"
