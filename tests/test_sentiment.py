"""The shared analyzer loads VADER at its first score (or ``load``), once, even when threads ask at once."""

from __future__ import annotations

import subprocess
import sys
import threading

from socialinbox.sentiment import make_analyzer


def test_nothing_loads_until_the_first_score_and_then_real_vader_answers() -> None:
    analyzer = make_analyzer()
    assert not analyzer.is_loaded

    scores = analyzer.polarity_scores("This is the worst order ever, I am furious")

    assert analyzer.is_loaded
    assert scores["compound"] < -0.5


def test_the_lexicon_files_text_is_not_kept_once_vader_has_read_it() -> None:
    analyzer = make_analyzer()
    vader = analyzer.load()
    assert vader.lexicon_full_filepath == "" and vader.emoji_full_filepath == ""  # 0.83 MB of text otherwise
    assert len(vader.lexicon) > 7000 and len(vader.emojis) > 3000  # its dictionaries are whole
    assert analyzer.polarity_scores("Love the new croissants 😍")["compound"] > 0.7  # the 😍 too: 0.64 without it


def test_threads_asking_at_once_share_one_lexicon() -> None:
    analyzer = make_analyzer()
    start = threading.Barrier(4)
    loaded: list[object] = []

    def ask() -> None:
        start.wait()
        loaded.append(analyzer.load())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loaded) == 4 and all(one is loaded[0] for one in loaded)


def test_importing_the_triage_rules_does_not_import_vader() -> None:
    code = "import sys, socialinbox.triage, socialinbox.tone; print('vaderSentiment' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
