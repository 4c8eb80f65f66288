"""The sentiment analyzer (VADER) that triage, the tone check and the reports share.

Each ``SentimentIntensityAnalyzer`` reads its lexicon files and holds them as dictionaries: 10-80 ms and about 3 MB
apiece, and the app used to make four. The composition root calls ``make_analyzer`` once and hands the result to
each user; there is no module-level instance. Sharing one across threads is safe: ``polarity_scores`` only reads
the dictionaries built in ``__init__`` (the report worker and the GUI thread both score with it).
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["SentimentIntensityAnalyzer", "make_analyzer"]


def make_analyzer() -> SentimentIntensityAnalyzer:
    """A new analyzer: call it once per process (in the composition root) and pass it on."""
    return SentimentIntensityAnalyzer()
