"""Reply templates: render with variables, validate for the editor, keep a library, find and suggest.

Template syntax (what the owner writes in the editor):

* ``{customer_name}``, ``{customer_handle}``, ``{shop_name}``, ``{owner_name}``, ``{channel}``, ``{opening_hours}``
  are filled from the conversation and the shop's settings (the ``context`` mapping);
* ``{field:order number}`` is a free field the owner fills in while inserting (the ``fields`` mapping, keyed by the
  name after ``field:``; letters, digits, spaces, ``_`` and ``-``);
* ``{{`` and ``}}`` write a literal brace.

Anything that cannot be filled raises one error listing every problem: a reply never goes out with a literal
``{variable}`` in it. Pure, except reading the bundled defaults through ``importlib.resources`` (a PyInstaller
bundle has no source tree to open by path).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any, NamedTuple

from socialinbox.domain import Platform

VARIABLES = ("customer_name", "customer_handle", "shop_name", "owner_name", "channel", "opening_hours")
FORMAT_VERSION = 1
_FIELD_PREFIX = "field:"
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_FIELD_NAME = re.compile(r"\w[\w \-]*")
_SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]*")


class TemplateError(ValueError):
    """A template cannot be used as it is; ``problems`` lists every reason, ready to show the owner."""

    def __init__(
        self,
        problems: Sequence[str],
        unknown: Sequence[str] = (),
        missing: Sequence[str] = (),
        unfilled: Sequence[str] = (),
    ) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)
        self.unknown_variables = tuple(unknown)
        self.missing_values = tuple(missing)  # known variables the context has no value for
        self.unfilled_fields = tuple(unfilled)


@dataclasses.dataclass(frozen=True, slots=True)
class Template:
    name: str
    shortcut: str  # typed after "/" in the composer, e.g. "hours"
    body: str
    tags: tuple[str, ...] = ()
    platforms: tuple[Platform, ...] = ()  # empty: usable on every channel
    holding: bool = False  # a holding reply: it promises the owner will follow up
    examples: tuple[str, ...] = ()  # customer messages this answers; seeds the suggestions before any past use

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise TemplateError(["a template needs a name"])
        if not _SHORTCUT.fullmatch(self.shortcut):
            raise TemplateError([f"shortcut {self.shortcut!r}: use lower-case letters, digits, '-' or '_'"])
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "platforms", tuple(Platform(p) for p in self.platforms))
        object.__setattr__(self, "examples", tuple(self.examples))

    def allows(self, platform: Platform | None) -> bool:
        return platform is None or not self.platforms or platform in self.platforms


# --- parsing, validation, rendering ---------------------------------------------------------------


class _Placeholder(NamedTuple):
    kind: str  # "variable" or "field"
    name: str


def _parse(body: str) -> tuple[list[str | _Placeholder], list[str]]:
    parts: list[str | _Placeholder] = []
    problems: list[str] = []
    position = 0
    for match in _TOKEN.finditer(body):
        parts.append(body[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif token == "{":
            problems.append(f"'{{' at position {match.start() + 1} is never closed (write {{{{ for a literal brace)")
        elif token == "}":
            problems.append(f"'}}' at position {match.start() + 1} has no opening brace (write }}}} for a literal one)")
        else:
            placeholder, problem = _placeholder(match.group(1))
            parts.append(placeholder)
            problems += [problem] if problem else []
    parts.append(body[position:])
    return parts, problems


def _placeholder(inner: str) -> tuple[_Placeholder, str]:
    text = inner.strip()
    if text.startswith(_FIELD_PREFIX):
        name = " ".join(text[len(_FIELD_PREFIX) :].split())
        problem = "" if _FIELD_NAME.fullmatch(name) else f"field {{{inner}}} needs a name after 'field:'"
        return _Placeholder("field", name), problem
    return _Placeholder("variable", text), "" if text in VARIABLES else _unknown_variable_problem(text)


def _unknown_variable_problem(name: str) -> str:
    if not name:
        return "empty {} in the text (write {{ and }} for literal braces)"
    guess = difflib.get_close_matches(name, VARIABLES, n=1)
    hint = f" (did you mean {{{guess[0]}}}?)" if guess else f" (known: {', '.join('{' + v + '}' for v in VARIABLES)})"
    return f"unknown variable {{{name}}}{hint}"


def validate(body: str) -> list[str]:
    """Problems the editor shows while the owner types: unbalanced braces, unknown variables, empty fields."""
    return _parse(body)[1]


def free_fields(body: str) -> list[str]:
    """The free fields the owner fills in while inserting, in order of first appearance."""
    seen: dict[str, None] = {}
    for part in _parse(body)[0]:
        if isinstance(part, _Placeholder) and part.kind == "field" and part.name:
            seen.setdefault(part.name)
    return list(seen)


def render(
    template_or_body: Template | str, context: Mapping[str, str], fields: Mapping[str, str] | None = None
) -> str:
    """Fill every placeholder, or raise ``TemplateError`` naming everything that is unknown or still empty."""
    body = template_or_body.body if isinstance(template_or_body, Template) else template_or_body
    parts, problems = _parse(body)
    unknown: list[str] = []
    missing: list[str] = []
    unfilled: list[str] = []
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "variable" and part.name not in VARIABLES:
            unknown += [part.name] if part.name not in unknown else []
        else:
            is_field = part.kind == "field"
            value = (fields or {}).get(part.name, "") if is_field else context.get(part.name, "")
            empty = unfilled if is_field else missing
            # A blank value would leave "Hi ," in a public reply: as bad as a literal {customer_name}.
            if value.strip():
                out.append(value)
            elif part.name and part.name not in empty:
                empty.append(part.name)
    problems += [f"no value for {{{name}}}" for name in missing] + [f"fill in the field '{n}'" for n in unfilled]
    if problems:
        raise TemplateError(problems, unknown, missing, unfilled)
    return "".join(out)


# --- the library ----------------------------------------------------------------------------------


class TemplateLibrary:
    """The owner's templates in memory, in the order they were added; names and shortcuts are unique."""

    def __init__(self, templates: Iterable[Template] = ()) -> None:
        self._templates: list[Template] = []
        for template in templates:
            self.add(template)

    def __iter__(self) -> Iterator[Template]:
        return iter(tuple(self._templates))

    def __len__(self) -> int:
        return len(self._templates)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._index(name) is not None

    def get(self, name: str) -> Template:
        return self._templates[self._require_index(name)]

    def by_shortcut(self, shortcut: str) -> Template | None:
        wanted = shortcut.lstrip("/").casefold()
        return next((t for t in self._templates if t.shortcut == wanted), None)

    def add(self, template: Template) -> None:
        self._check(template, replacing=None)
        self._templates.append(template)

    def edit(self, name: str, template: Template) -> None:
        """Replace the template called ``name`` (the new one may be renamed), keeping its place in the list."""
        index = self._require_index(name)
        self._check(template, replacing=index)
        self._templates[index] = template

    def remove(self, name: str) -> Template:
        return self._templates.pop(self._require_index(name))

    def to_json(self) -> str:
        return json.dumps({"version": FORMAT_VERSION, "templates": [_to_dict(t) for t in self._templates]}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> TemplateLibrary:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise TemplateError([f"not a template file: invalid JSON ({error})"]) from error
        if not isinstance(document, dict) or not isinstance(document.get("templates"), list):
            raise TemplateError(['not a template file: expected {"version": 1, "templates": [...]}'])
        if document.get("version") != FORMAT_VERSION:
            raise TemplateError([f"unsupported template file version {document.get('version')!r} (expected 1)"])
        library = cls()
        for number, entry in enumerate(document["templates"], start=1):
            try:
                library.add(_from_dict(entry))
            except TemplateError as error:
                raise TemplateError([f"template #{number}: {p}" for p in error.problems]) from error
        return library

    def _index(self, name: str) -> int | None:
        wanted = name.strip().casefold()
        return next((i for i, t in enumerate(self._templates) if t.name.strip().casefold() == wanted), None)

    def _require_index(self, name: str) -> int:
        index = self._index(name)
        if index is None:
            raise KeyError(f"no template named {name!r}")
        return index

    def _check(self, template: Template, *, replacing: int | None) -> None:
        problems = [f"{template.name!r}: {p}" for p in validate(template.body)]
        for index, existing in enumerate(self._templates):
            if index == replacing:
                continue
            if existing.name.strip().casefold() == template.name.strip().casefold():
                problems.append(f"a template named {template.name!r} already exists")
            if existing.shortcut == template.shortcut:
                problems.append(f"the shortcut /{template.shortcut} is already used by {existing.name!r}")
        if problems:
            raise TemplateError(problems)


def _to_dict(template: Template) -> dict[str, Any]:
    return dataclasses.asdict(template) | {"platforms": [p.value for p in template.platforms]}


def _from_dict(entry: object) -> Template:
    if not isinstance(entry, dict):
        raise TemplateError(["must be an object"])
    label = repr(entry.get("name", "?"))
    texts: dict[str, Any] = {key: entry.get(key) for key in ("name", "shortcut", "body")}
    lists: dict[str, Any] = {key: entry.get(key, []) for key in ("tags", "platforms", "examples")}
    problems = [f"{label}: '{key}' must be text" for key, value in texts.items() if not isinstance(value, str)]
    problems += [f"{label}: '{key}' must be a list of text" for key, value in lists.items() if not _is_texts(value)]
    if not isinstance(entry.get("holding", False), bool):
        problems.append(f"{label}: 'holding' must be true or false")
    known = sorted(p.value for p in Platform)
    channels = lists["platforms"] if _is_texts(lists["platforms"]) else []
    problems += [f"{label}: unknown channel {p!r} (known: {', '.join(known)})" for p in channels if p not in known]
    if problems:
        raise TemplateError(problems)
    tuples: dict[str, Any] = {key: tuple(value) for key, value in lists.items()}
    return Template(**texts, **tuples, holding=entry.get("holding", False))


def _is_texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def load_default_templates() -> TemplateLibrary:
    """The default set shipped with the app (a fresh library each call: the caller owns it)."""
    resource = resources.files("socialinbox").joinpath("resources/default_templates.json")
    return TemplateLibrary.from_json(resource.read_text(encoding="utf-8"))


# --- finding: the "/" picker ----------------------------------------------------------------------


def search(library: TemplateLibrary, query: str, platform: Platform | None) -> list[Template]:
    """Templates matching what the owner typed after "/", best first; only those allowed on ``platform``."""
    wanted = query.strip().lstrip("/").strip().casefold()
    allowed = [t for t in library if t.allows(platform)]
    if not wanted:
        return allowed
    scored = [(score, i, t) for i, t in enumerate(allowed) if (score := _search_score(t, wanted)) > 0]
    return [t for _, _, t in sorted(scored, key=lambda s: (-s[0], s[1]))]


def _search_score(template: Template, wanted: str) -> int:
    """Shortcut, then name, then tags, then letters in order ("hrs" finds "hours"), then words of the body."""
    name, shortcut = template.name.casefold(), template.shortcut
    words = set(_tokens(" ".join((template.body, *template.tags))))
    query_words = _tokens(wanted)
    checks = (
        shortcut == wanted,
        shortcut.startswith(wanted),
        name.startswith(wanted),
        any(word.startswith(wanted) for word in re.findall(r"\w+", name)),
        any(tag.casefold().startswith(wanted) for tag in template.tags),
        _is_subsequence(wanted, shortcut),
        _is_subsequence(wanted, name),
        bool(query_words) and all(any(w.startswith(q) for w in words) for q in query_words),
    )
    return next((len(checks) - rank for rank, hit in enumerate(checks) if hit), 0)


def _is_subsequence(needle: str, haystack: str) -> bool:
    letters = iter(haystack)
    return all(char in letters for char in needle.replace(" ", ""))


# --- suggesting: which templates fit this message ---------------------------------------------------

_STOP_WORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have hello hi hey how i i'm if in is it "
    "it's its just me my of on or our please so that the their them then there this to us was we were what when where "
    "which who why will with would you your yours dear thanks thank".split()
)
MAX_SUGGEST_CHARS = 2_000  # what a message is about shows in its opening
# Generic variables say nothing about what a template answers; these are dropped from the text we compare.
_GENERIC_PLACEHOLDER = re.compile(r"\{(?:customer_name|customer_handle|shop_name|owner_name|channel)\}")


def suggest(
    library: TemplateLibrary,
    message_text: str,
    platform: Platform | None,
    past_uses: Mapping[str, Sequence[str]] | None = None,
    limit: int = 3,
) -> list[Template]:
    """The templates that best fit a customer's message, best first: TF-IDF cosine against each piece of a template
    (its own text, each shipped example, each message it was used on before, ``past_uses``: name -> messages); the
    nearest piece counts, so a much-used template is not diluted by its own long history."""
    query = Counter(_tokens(message_text[:MAX_SUGGEST_CHARS]))  # a 1 MB message took 80 ms of the GUI thread
    candidates = [t for t in library if t.allows(platform)]
    if not query or not candidates:
        return []
    pieces = {t.name: _pieces(t, (past_uses or {}).get(t.name, ())) for t in candidates}
    idf = _idf([piece for template_pieces in pieces.values() for piece in template_pieces])
    query_vector = _weigh(query, idf)
    scored = []
    for order, template in enumerate(candidates):
        best = max((_cosine(query_vector, _weigh(piece, idf)) for piece in pieces[template.name]), default=0.0)
        if best > 0:
            scored.append((best, order, template))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [template for _, _, template in scored[:limit]]


def _pieces(template: Template, uses: Sequence[str]) -> list[Counter[str]]:
    own_text = " ".join((template.name, *template.tags, _GENERIC_PLACEHOLDER.sub(" ", template.body)))
    own_text = own_text.replace("field:", " ").replace("_", " ")
    texts = [own_text, *template.examples, *uses]
    return [counts for text in texts if (counts := Counter(_tokens(text)))]


def _idf(pieces: Sequence[Counter[str]]) -> dict[str, float]:
    document_frequency = Counter(word for piece in pieces for word in piece)
    return {word: math.log((1 + len(pieces)) / (1 + df)) + 1 for word, df in document_frequency.items()}


def _weigh(counts: Counter[str], idf: Mapping[str, float]) -> dict[str, float]:
    # Words no template knows get weight 0: they cannot make two texts alike.
    return {word: (1 + math.log(n)) * idf.get(word, 0.0) for word, n in counts.items()}


def _cosine(left: Mapping[str, float], right: Mapping[str, float]) -> float:
    dot = sum(weight * right.get(word, 0.0) for word, weight in left.items())
    norms = math.sqrt(sum(w * w for w in left.values())) * math.sqrt(sum(w * w for w in right.values()))
    return dot / norms if norms else 0.0


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[^\W\d_](?:[\w']*\w)?", text.casefold())
    return [_stem(word) for word in words if word not in _STOP_WORDS and len(word) > 1]


def _stem(word: str) -> str:
    """A deliberately light stemmer: opens/opening/opened -> open, deliveries/delivery -> deliver."""
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] in "ey":
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word
