"""Figures the suite's tests can hand to the long run (``python -m tests.reliability.longrun``) for
docs/reliability.md. A no-op in an ordinary test run: only when ``SOCIALINBOX_RELIABILITY_FIGURES`` names a file."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

ENV = "SOCIALINBOX_RELIABILITY_FIGURES"
_lock = threading.Lock()


def record(row: str, **values: Any) -> None:
    target = os.environ.get(ENV)
    if not target:
        return
    path = Path(target)
    with _lock:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data.setdefault(row, []).append(values)
        path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
