"""Triage priorities kept between runs, so a start paints its first page without loading VADER (B4).

``TriageCache.stored`` gives the most recently used priorities; they go to a small JSON file in the data folder
at quit, and ``TriageCache.adopt`` takes them back at the next start, where each is used only if its conversation
is unchanged (same last message time). The file holds scores and reasons ("complaint", "public", "12k followers"),
no message text, and is owner-only like every file of the app. Anything unreadable, malformed or reckoned by other
triage rules is ignored: those conversations are scored again, which is all the file saves.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from socialinbox.paths import replace_private_file
from socialinbox.triage import TRIAGE_RULES_VERSION, StoredPriority, TriageCache

log = logging.getLogger(__name__)

KEPT = 1000  # the first pages of "Needs reply" and then some; reading 1,000 takes about a millisecond


def load_priorities(path: Path, cache: TriageCache) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as error:
        log.info("stored triage priorities unreadable (%s); scoring afresh", type(error).__name__)
        return
    if not isinstance(document, dict) or document.get("rules") != TRIAGE_RULES_VERSION:
        return  # another version's rules: their scores may not sort like ours
    entries = document.get("priorities")
    if isinstance(entries, list):
        cache.adopt(entry for entry in map(_priority, entries) if entry is not None)


def save_priorities(path: Path, cache: TriageCache) -> None:
    document = {"rules": TRIAGE_RULES_VERSION, "priorities": cache.stored(KEPT)}
    try:
        replace_private_file(path, json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    except OSError as error:  # a full or read-only disk: the next start scores afresh
        log.warning("could not keep the triage priorities (%s)", type(error).__name__)


def _priority(entry: object) -> StoredPriority | None:
    """One stored entry, or None where it is not exactly the shape ``TriageCache.stored`` writes."""
    if not isinstance(entry, list) or len(entry) != 6:
        return None
    conversation_id, at, score, reasons, sentiment, complaint = entry
    numbers_ok = all(isinstance(value, int) and not isinstance(value, bool) for value in (conversation_id, at))
    scores_ok = all(isinstance(value, int | float) and not isinstance(value, bool) for value in (score, sentiment))
    reasons_ok = isinstance(reasons, list) and all(isinstance(reason, str) for reason in reasons)
    if not (numbers_ok and scores_ok and reasons_ok and isinstance(complaint, bool)):
        return None
    return (conversation_id, at, float(score), reasons, float(sentiment), complaint)
