"""The owner's template library on disk: versioned JSON in the config folder, readable by the owner only.

The file is seeded from the shipped defaults the first time it is needed, so the owner edits their own copy and an
update of the app never overwrites their wording. It also keeps, per template, the last few customer messages it
answered (the "past uses" that make ``templates.suggest`` learn); those stay on this machine: ``export_json`` writes
the templates alone.

One store object is shared by the GUI thread (reads) and the task worker (recording uses): a lock keeps each
read-modify-write whole, and every write is atomic (a temporary file renamed over the old one).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from socialinbox.paths import replace_private_file
from socialinbox.templates import FORMAT_VERSION, Template, TemplateError, TemplateLibrary, load_default_templates

log = logging.getLogger(__name__)

FILE_NAME = "templates.json"
MAX_USES_PER_TEMPLATE = 20
MAX_USE_CHARS = 500  # a long e-mail says no more about which template fits than its first lines


@dataclasses.dataclass(frozen=True, slots=True)
class ImportSummary:
    added: tuple[str, ...]
    replaced: tuple[str, ...]


class TemplateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()

    @classmethod
    def in_folder(cls, config_dir: Path) -> TemplateStore:
        return cls(config_dir / FILE_NAME)

    # --- reading -------------------------------------------------------------------------------

    def load(self) -> TemplateLibrary:
        """The owner's library (a fresh object: the caller may change it and ``save`` it)."""
        with self._lock:
            return TemplateLibrary.from_json(json.dumps(self._document()))

    def past_uses(self) -> dict[str, list[str]]:
        """Template name -> the customer messages it answered, oldest first."""
        with self._lock:
            uses = self._document().get("uses", {})
            return {name: list(texts) for name, texts in uses.items()}

    def export_json(self) -> str:
        """The templates alone, in the import format (customer messages never leave with them)."""
        return self.load().to_json()

    # --- writing -------------------------------------------------------------------------------

    def save(self, library: TemplateLibrary) -> None:
        """Replace the templates; past uses of templates that no longer exist are dropped."""
        with self._lock:
            document = self._document()
            names = {template.name for template in library}
            uses = {name: texts for name, texts in document.get("uses", {}).items() if name in names}
            self._write(library, uses)

    def add(self, template: Template) -> None:
        self._change(lambda library: library.add(template))

    def edit(self, name: str, template: Template) -> None:
        """Replace the template called ``name``; a renamed template keeps what it learned from past uses."""
        with self._lock:
            library = self.load()
            old = library.get(name)
            library.edit(name, template)
            uses = self._document().get("uses", {})
            if old.name != template.name and old.name in uses:
                uses[template.name] = uses.pop(old.name)
            self._write(library, uses)

    def remove(self, name: str) -> Template:
        removed: list[Template] = []
        self._change(lambda library: removed.append(library.remove(name)))
        return removed[0]

    def import_json(self, text: str, *, replace: bool = False) -> ImportSummary:
        """Add the templates of an exported file. A name or shortcut already taken is an error listing every clash,
        unless ``replace``: then a template of the same name is overwritten (and keeps its past uses)."""
        incoming = TemplateLibrary.from_json(text)
        with self._lock:
            library = self.load()
            clashes = [t.name for t in incoming if t.name in library]
            if clashes and not replace:
                listed = ", ".join(repr(name) for name in clashes)
                raise TemplateError([f"already in your library: {listed} (import with replace to overwrite them)"])
            added, replaced = [], []
            for template in incoming:
                if template.name in library:
                    library.edit(template.name, template)
                    replaced.append(template.name)
                else:
                    library.add(template)
                    added.append(template.name)
            self._write(library, self._document().get("uses", {}))
            return ImportSummary(tuple(added), tuple(replaced))

    def record_use(self, names: Sequence[str], customer_message: str) -> None:
        """Remember that these templates answered this message, so similar messages suggest them next time."""
        text = " ".join(customer_message.split())[:MAX_USE_CHARS]
        if not text or not names:
            return
        with self._lock:
            library = self.load()
            uses = self._document().get("uses", {})
            for name in names:
                if name in library:
                    history = [t for t in uses.get(name, []) if t != text] + [text]
                    uses[name] = history[-MAX_USES_PER_TEMPLATE:]
            self._write(library, uses)

    # --- the file ------------------------------------------------------------------------------

    def _change(self, change: Callable[[TemplateLibrary], object]) -> None:
        with self._lock:
            library = self.load()
            change(library)
            self._write(library, self._document().get("uses", {}))

    def _document(self) -> dict[str, Any]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self._seed()
        try:
            document = json.loads(raw)
            TemplateLibrary.from_json(raw)  # the same checks as an import: a hand-edited file must still be valid
        except (ValueError, TemplateError) as error:
            return self._set_aside(error)
        uses = document.get("uses")
        document["uses"] = _clean_uses(uses) if isinstance(uses, dict) else {}
        return dict(document)

    def _seed(self) -> dict[str, Any]:
        defaults = load_default_templates()
        self._write(defaults, {})
        return _as_document(defaults, {})

    def _set_aside(self, error: Exception) -> dict[str, Any]:
        backup = self.path.with_suffix(".damaged.json")
        log.warning(
            "template file unreadable (%s); starting again from the defaults, old file kept as %s", error, backup
        )
        self.path.replace(backup)
        return self._seed()

    def _write(self, library: TemplateLibrary, uses: Mapping[str, list[str]]) -> None:
        # Private: the past uses are customers' words.
        replace_private_file(self.path, json.dumps(_as_document(library, uses), ensure_ascii=False, indent=2))


def _as_document(library: TemplateLibrary, uses: Mapping[str, list[str]]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(library.to_json())
    document["version"] = FORMAT_VERSION
    document["uses"] = {name: list(texts) for name, texts in uses.items()}
    return document


def _clean_uses(uses: Mapping[Any, Any]) -> dict[str, list[str]]:
    return {
        name: [text for text in texts if isinstance(text, str)][-MAX_USES_PER_TEMPLATE:]
        for name, texts in uses.items()
        if isinstance(name, str) and isinstance(texts, list)
    }
