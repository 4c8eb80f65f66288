"""The reliability suite at full size, with its figures written to docs/reliability.md.

    .venv/bin/python -m tests.reliability.longrun            # R1 x100 kills, R3 x500 sends each, R8 100,000 messages
    .venv/bin/python -m tests.reliability.longrun --quick    # the same at a tenth, to try the command

R1, R3 and R8 run here in process at full size; every row (R2, R4-R7, the doors and the small R1/R3/R8) also runs
as the ordinary test suite (``pytest tests/reliability``) whose outcome and figures are included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import FakeClock
from tests.mail_faults import IMAP_HOW
from tests.reliability.figures import ENV as FIGURES_ENV
from tests.reliability.kills import ROOT, KillOutcome, run_kills
from tests.reliability.mail_platform import mail_servers, mail_shop, unavailable
from tests.reliability.mail_sends import MailSendOutcome, run_mail_sends
from tests.reliability.platforms import CONNECTORS, runnable
from tests.reliability.sends import SendOutcome, run_sends
from tests.reliability.soak import SoakOutcome, run_soak, soak_mail
from tests.reliability.world import make_world

DOC = ROOT / "docs" / "reliability.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.longrun", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of each size, to try the command")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    kills, sends, messages = 100 // scale, 500 // scale, 100_000 // scale
    with tempfile.TemporaryDirectory(prefix="socialinbox-longrun-") as folder:
        work = Path(folder)
        suite = _suite(work / "figures.json")
        r1 = _timed(lambda: run_kills(work / "r1", kills, seed=100))
        r3: dict[str, tuple[SendOutcome | MailSendOutcome | str, float]] = {
            name: _timed(lambda name=name: _sends(work / f"r3-{name}", name, sends))
            for name in ("mastodon", "telegram", "bluesky")
        }
        r3["email"] = _timed(lambda: _mail_sends(work / "r3-email", sends))
        r8 = _timed(lambda: _soak(work / "r8", messages))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_document(suite, r1, r3, r8, quick=args.quick), encoding="utf-8")
    print(f"wrote {args.out}")
    failed = suite["failed"] or r1[0].problems or _r3_problems(r3) or _r8_problems(r8[0])
    return 1 if failed else 0


def _timed(work: Any) -> tuple[Any, float]:
    started = time.monotonic()
    return work(), time.monotonic() - started


def _suite(figures: Path) -> dict[str, Any]:
    env = {**os.environ, FIGURES_ENV: str(figures), "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/reliability"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    return {
        "summary": lines[-1] if lines else result.stderr[-500:],
        "skips": sorted({line.split(": ", 1)[-1] for line in lines if line.startswith("SKIPPED")}),
        "failed": result.returncode != 0,
        "seconds": time.monotonic() - started,
        "figures": json.loads(figures.read_text(encoding="utf-8")) if figures.exists() else {},
    }


def _sends(folder: Path, connector: str, count: int) -> SendOutcome | str:
    case = next(c for c in CONNECTORS if c.name == connector)
    if reason := runnable(case):
        return reason
    assert case.start is not None
    folder.mkdir(parents=True)
    clock = FakeClock()
    world = make_world(folder, clock)
    with case.start(clock.now, "shop.example") as live:
        outcome = run_sends(world, live, world.add(live), count, seed=count)
    world.engine.dispose()
    return outcome


def _mail_sends(folder: Path, count: int) -> MailSendOutcome | str:
    if reason := unavailable():
        return reason
    folder.mkdir(parents=True)
    world = make_world(folder, FakeClock())
    with mail_servers() as servers, mail_shop(*servers, seed=count) as shop:
        outcome = run_mail_sends(world, shop, shop.add_to(world), count, seed=count)
    world.engine.dispose()
    return outcome


def _soak(folder: Path, messages: int) -> SoakOutcome:
    folder.mkdir(parents=True)
    world = make_world(folder, FakeClock())
    with soak_mail() as mail:
        outcome = run_soak(world, messages, step=timedelta(minutes=1), mail=mail)
    world.engine.dispose()
    return outcome


def _r3_problems(r3: dict[str, tuple[SendOutcome | MailSendOutcome | str, float]]) -> bool:
    for o, _ in r3.values():
        if isinstance(o, SendOutcome) and (max(o.on_platform.values()) > 1 or o.reasonless_failures):
            return True
        if isinstance(o, MailSendOutcome) and (
            max(o.delivered.values()) > 1 or o.reasonless_failures or len(o.delivered) != o.replies
        ):
            return True
    return False


def _r8_problems(o: SoakOutcome) -> bool:
    return bool(
        o.stored != o.written
        or o.doubles
        or o.reminders_twice
        or o.overdue_missed
        or o.memory_growth >= 0.1
        or o.mail_sent_twice
    )


# --- the document ---------------------------------------------------------------------------------------------


def _document(
    suite: dict[str, Any],
    r1: tuple[KillOutcome, float],
    r3: dict[str, tuple[SendOutcome | MailSendOutcome | str, float]],
    r8: tuple[SoakOutcome, float],
    *,
    quick: bool,
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    parts = [
        "# Reliability: nothing lost, nothing doubled, nothing leaked\n",
        f"Measured {now} on {machine}{' (--quick: a tenth of each size)' if quick else ''}, with\n"
        f"`.venv/bin/python -m tests.reliability.longrun{' --quick' if quick else ''}`. The same rows run at a small "
        "size in every test run (`pytest tests/reliability`); tests/faults.py is the one HTTP fault layer they share, "
        "tests/mail_faults.py its IMAP/SMTP counterpart (a proxy in front of the real Dovecot and aiosmtpd).\n",
        _suite_section(suite),
        _r1_section(*r1),
        _r2_section(suite["figures"].get("R2", [])),
        _r3_section(r3),
        _r4_section(suite["figures"].get("R4", [])),
        _r8_section(*r8),
        STATIC_SECTIONS,
    ]
    return "\n".join(parts)


def _suite_section(suite: dict[str, Any]) -> str:
    skips = "\n".join(f"- {reason}" for reason in suite["skips"]) or "- none"
    return (
        f"## The suite\n\n`pytest tests/reliability`: **{suite['summary']}** ({suite['seconds']:.0f} s).\n\n"
        f"Rows that cannot hold yet, as the suite says:\n\n{skips}\n"
    )


def _r1_section(o: KillOutcome, seconds: float) -> str:
    verdict = "no problem found" if not o.problems else f"{len(o.problems)} problems: " + "; ".join(o.problems[:5])
    return (
        "## R1: SIGKILL at random moments\n\n"
        f"| runs killed | runs that finished first | one run takes | messages on the servers | stored (each once) "
        "| replies queued | sent | left for the owner (interrupted) | posted twice |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        f"| {o.killed} of {o.rounds} | {o.finished} | {o.run_seconds:.2f} s | {o.on_servers} | {o.stored} "
        f"| {o.replies_queued} | {o.replies_sent} | {o.replies_interrupted} | {o.replies_posted_twice} |\n\n"
        f"After every kill: `PRAGMA integrity_check`, no message stored twice, no cursor ahead of its messages, "
        f"conversation counters equal to their messages: {verdict}. ({seconds:.0f} s in all.)\n"
    )


def _r2_section(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "## R2: every connector against every fault\n\n(no figures: the R2 tests did not run)\n"
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        table[row["fault"]][row["connector"]] = row["health"]
    connectors = sorted({row["connector"] for row in rows})
    header = "| fault | " + " | ".join(connectors) + " |\n|---|" + "---|" * len(connectors) + "\n"
    body = "".join(
        f"| {fault} | " + " | ".join(cells.get(c, "") for c in connectors) + " |\n" for fault, cells in table.items()
    )
    return (
        "## R2: every connector against every fault\n\nThe state the account showed while the fault lasted (the other "
        "account on the same platform kept syncing every time; once the server recovered, every message was stored "
        "exactly once):\n\n" + header + body + _mail_rows(rows)
    )


def _mail_rows(rows: list[dict[str, Any]]) -> str:
    faults = [name for name in dict.fromkeys(row["fault"] for row in rows if row["connector"] == "email")]
    if not faults:
        return ""
    how = "; ".join(f"{name}: {IMAP_HOW.get(name, name)}" for name in faults)
    return (
        "\nE-mail speaks IMAP, so its column is the catalogue's mail counterparts, put on the wire by a proxy in front "
        f"of the real Dovecot (tests/mail_faults.py, tests/reliability/test_r2_mail.py): {how}.\n"
    )


def _r3_section(r3: dict[str, tuple[SendOutcome | MailSendOutcome | str, float]]) -> str:
    lines = [
        "## R3: sends over a failing network\n",
        "| connector | replies | failures shown (each with its reason) | answers lost after the platform acted "
        "| left for the owner to check | sent twice | never delivered | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (o, seconds) in r3.items():
        if isinstance(o, str):
            lines.append(f"| {name} | skipped: {o} | | | | | | |")
            continue
        counts = o.delivered if isinstance(o, MailSendOutcome) else o.on_platform
        doubled = sum(1 for n in counts.values() if n > 1)
        lost = o.replies - sum(1 for n in counts.values() if n >= 1)
        lines.append(
            f"| {name} | {o.replies} | {o.failures_seen} ({o.reasonless_failures} without a reason) | {o.lost_answers} "
            f"| {o.owner_checks} | {doubled} | {lost} | {seconds:.0f} s |"
        )
    mail = r3.get("email", ("", 0.0))[0]
    if isinstance(mail, MailSendOutcome):
        met = ", ".join(f"{name} {count}" for name, count in sorted(mail.faults_met.items()))
        lines.append(
            "\nE-mail: the real aiosmtpd and Dovecot behind tests/mail_faults.py; faults met: "
            f"{met}. A reply whose text was handed over before the connection broke is never sent again by the "
            "app: the owner checks (here: what the server received) and discards or retries it."
        )
    return "\n".join(lines) + "\n"


def _r4_section(rows: list[dict[str, Any]]) -> str:
    figures = rows[-1] if rows else {}
    return (
        "## R4: hostile content in the inbox and the conversation pane\n\n"
        f"Slowest conversation to open and paint: {figures.get('slowest_open_ms', '?')} ms of GUI-thread time; "
        f"painting the inbox: {figures.get('painting_inbox_ms', '?')} ms (limit 100 ms). No request left for the hosts "
        "the content names; the thread view was never asked for a resource; only http(s) links are live.\n"
    )


def _r8_section(o: SoakOutcome, seconds: float) -> str:
    return (
        "## R8: a day compressed by a fake clock\n\n"
        "Five accounts (two Mastodon servers, a Telegram bot, two demo shops), one-minute rounds, random faults on "
        "every platform request (500, reset, timeout, 429, malformed JSON, 401), the owner answering and clearing, "
        "the reminder tick every round. "
        + (
            f"A sixth, an e-mail shop on the real Dovecot and aiosmtpd behind the fault proxies (the R2 and R3 mail "
            f"faults), gets a tenth of the messages: {o.mail_stored:,} of {o.mail_written:,} stored, "
            f"{o.mail_sent_twice} replies taken twice by the SMTP server."
            if o.mail_written
            else "No e-mail shop: the real mail servers cannot run here."
        )
        + "\n\n"
        "| messages written | stored, each once | doubles | not yet fetched at the day's end | rounds to catch up "
        "| faults met | replies sent | reminders delivered | delivered twice | overdue never reminded |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {o.written} | {o.stored} | {o.doubles} | {o.backlog_at_end} | {o.catch_up_rounds} | {o.faults_met} "
        f"| {o.replies_sent} | {o.reminders_delivered} | {o.reminders_twice} | {o.overdue_missed} |\n\n"
        f"Memory (resident): {o.memory_after_warmup_mb:.0f} MB after the first quarter of the day, "
        f"{o.memory_at_end_mb:.0f} MB at the end: **{o.memory_growth:+.1%}** (limit +10%). {seconds:.0f} s in all.\n\n"
        + _r8_verdict(o)
    )


def _r8_verdict(o: SoakOutcome) -> str:
    holds = {
        f"no message lost ({o.stored:,} of {o.written:,} stored)": o.stored == o.written,
        f"none stored twice ({o.doubles})": o.doubles == 0,
        f"every reminder fired once ({o.reminders_twice} twice, {o.overdue_missed} overdue never reminded)": (
            o.reminders_twice == 0 and o.overdue_missed == 0
        ),
        f"memory growth under 10% ({o.memory_growth:+.1%})": o.memory_growth < 0.1,
        f"no e-mail reply taken twice ({o.mail_sent_twice})": o.mail_sent_twice == 0,
    }
    kept = [what for what, ok in holds.items() if ok]
    broken = [what for what, ok in holds.items() if not ok]
    verdict = f"At {o.written:,} messages: " + ("; ".join(kept) or "nothing held") + "."
    return verdict + (f" **Does not hold:** {'; '.join(broken)}." if broken else "") + "\n"


STATIC_SECTIONS = (Path(__file__).with_name("reliability_notes.md")).read_text(encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
