"""The sentiment analyzer (VADER) that triage, the tone check and the reports share.

Each VADER ``SentimentIntensityAnalyzer`` reads its lexicon files and holds them as dictionaries: 10-80 ms and
about 3 MB apiece, and the app used to make four. The composition root calls ``make_analyzer`` once and hands the
result to each user; there is no module-level instance. Sharing one across threads is safe: ``polarity_scores``
only reads the dictionaries built in ``__init__`` (the report worker and the GUI thread both score with it).

The shared one is lazy: importing VADER and reading its lexicon (about 25 ms) happens at the first score, or when
``load`` is called on a worker. A start whose first page of "Needs reply" is all in the priorities kept from the
last run (``triage_file.load_priorities``, ``TriageCache.adopt``) then paints without VADER (docs/performance.md, B4).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["Analyzer", "LazyAnalyzer", "make_analyzer"]


class Analyzer(Protocol):
    """What triage and the tone check ask of an analyzer: VADER's scores ("compound" is -1..1)."""

    def polarity_scores(self, text: str) -> dict[str, float]: ...


class LazyAnalyzer:
    """VADER, imported and loaded at the first ``polarity_scores`` (or ``load``), once, whichever thread asks."""

    def __init__(self) -> None:
        self._loaded: SentimentIntensityAnalyzer | None = None
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        return self._loaded is not None

    def load(self) -> SentimentIntensityAnalyzer:
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._lock:  # two threads asking at once still read the lexicon once
            if self._loaded is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                analyzer = SentimentIntensityAnalyzer()
                # VADER keeps both lexicon files' whole text after building its dictionaries from them, and reads it
                # nowhere else: 0.83 MB for the app's whole run (the emoji file's as 4-byte characters). B5.
                analyzer.lexicon_full_filepath = analyzer.emoji_full_filepath = ""
                self._loaded = analyzer
            return self._loaded

    def polarity_scores(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = self.load().polarity_scores(text)
        return scores


def make_analyzer() -> LazyAnalyzer:
    """The analyzer to share: call it once per process (in the composition root) and pass it on."""
    return LazyAnalyzer()
