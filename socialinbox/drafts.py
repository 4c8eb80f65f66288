"""A reply draft on its way to the customer: templates filled into it, what still blocks it, what the check needs.

Pure functions over domain values and the settings; the composer (GUI) and the command line share them.

Inserting a template never fails: what can be filled is filled, and what cannot (a free field the owner skipped, a
shop detail not set in Preferences) stays in the draft as its ``{placeholder}``. ``draft_problems`` then names every
placeholder left in the draft, and the composer refuses to send while there is one: a reply never goes out with a
literal ``{customer_name}`` in it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence

from socialinbox.domain import PLATFORM_LABELS, Conversation, Direction, Message, Visibility
from socialinbox.settings import Settings
from socialinbox.templates import VARIABLES, Template, free_fields
from socialinbox.tone import ReviewContext

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
# What looks like a placeholder in a draft: {word}, {two words} or {field:...}. A lone brace is left alone.
_LEFT_OVER = re.compile(r"\{\s*(field:[^{}]*|[A-Za-z_][\w ]{0,40}?)\s*\}")
_FIELD = "field:"

VARIABLE_LABELS: Mapping[str, str] = {
    "customer_name": "Customer's name",
    "customer_handle": "Customer's handle",
    "shop_name": "Shop name",
    "owner_name": "Your name",
    "channel": "Channel",
    "opening_hours": "Opening hours",
}
SETTINGS_VARIABLES = frozenset({"shop_name", "owner_name", "opening_hours"})


@dataclasses.dataclass(frozen=True, slots=True)
class Ask:
    """One value the owner is asked for while inserting a template."""

    key: str  # "field:order number" for a free field, the variable's name for a missing variable
    label: str
    hint: str = ""


def template_context(conversation: Conversation, settings: Settings) -> dict[str, str]:
    """The variables a conversation and the shop's settings fill; empty strings where nothing is known."""
    contact = conversation.contact
    return {
        "customer_name": first_name(contact.display_name, contact.handle),
        "customer_handle": _at(contact.handle),
        "shop_name": settings.shop_name.strip(),
        "owner_name": settings.owner_name.strip(),
        "channel": PLATFORM_LABELS[conversation.platform],
        "opening_hours": settings.opening_hours.strip(),
    }


def first_name(display_name: str, handle: str) -> str:
    """How a shop greets someone: the first word of their name, or their handle without the server part."""
    words = [word for word in display_name.split() if any(char.isalpha() for char in word)]
    if words:
        return words[0].strip(",.")
    return handle.strip().lstrip("@").partition("@")[0]


def _at(handle: str) -> str:
    handle = handle.strip()
    return handle if not handle or handle.startswith("@") else "@" + handle


def asks_for(template: Template, context: Mapping[str, str]) -> list[Ask]:
    """What the owner must fill in before ``template`` is complete: its free fields, then missing variables."""
    asks = [Ask(_FIELD + name, name.capitalize()) for name in free_fields(template.body)]
    for name in _variables_used(template.body):
        if name in VARIABLES and not context.get(name, "").strip():
            hint = "Set it once in Preferences to skip this." if name in SETTINGS_VARIABLES else ""
            asks.append(Ask(name, VARIABLE_LABELS[name], hint))
    return asks


def _variables_used(body: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in _TOKEN.finditer(body):
        inner = (match.group(1) or "").strip()
        if inner and not inner.startswith(_FIELD):
            seen.setdefault(inner)
    return list(seen)


def fill(template_or_body: Template | str, context: Mapping[str, str], answers: Mapping[str, str]) -> str:
    """The template's text with every placeholder that has a value filled; the others stay as written.

    ``answers`` are what the owner typed in, keyed like ``Ask.key``; they win over the context.
    """
    body = template_or_body.body if isinstance(template_or_body, Template) else template_or_body

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        inner = " ".join(match.group(1).split())
        if inner.startswith(_FIELD):
            key = _FIELD + " ".join(inner[len(_FIELD) :].split())
            value = answers.get(key, "")
        else:
            value = answers.get(inner, "") or (context.get(inner, "") if inner in VARIABLES else "")
        return value.strip() or token

    return _TOKEN.sub(replace, body)


def draft_problems(text: str) -> list[str]:
    """Why this draft cannot go out yet: every placeholder still in it, each named once, in order."""
    problems: dict[str, None] = {}
    for match in _LEFT_OVER.finditer(text):
        inner = " ".join(match.group(1).split())
        if inner.startswith(_FIELD):
            problems.setdefault(f"Fill in the field '{inner[len(_FIELD) :].strip()}'.")
        elif inner in SETTINGS_VARIABLES:
            problems.setdefault(
                f"No value for {{{inner}}}: type it in, or set {VARIABLE_LABELS[inner]} in Preferences."
            )
        elif inner in VARIABLES:
            problems.setdefault(f"No value for {{{inner}}}: type it in.")
        else:
            problems.setdefault(f"Unknown variable {{{inner}}}: remove it or write it out.")
    return list(problems)


def join_draft(draft: str, insertion: str, position: int) -> tuple[str, int]:
    """Insert a template's text at ``position``, with one space (or the line break already there) between pieces.

    Returns the new draft and the cursor position after the insertion, so several templates combine naturally.
    """
    before, after = draft[:position], draft[position:]
    if before and not before[-1].isspace():
        insertion = " " + insertion
    if after and not after[0].isspace():
        insertion = insertion + " "
    return before + insertion + after, len(before) + len(insertion)


def last_customer_message(messages: Sequence[Message]) -> str:
    return next((m.text for m in reversed(messages) if m.direction is Direction.INBOUND), "")


def public_replies(messages: Sequence[Message]) -> int:
    """The shop's public replies in the thread so far."""
    return sum(1 for m in messages if m.direction is Direction.OUTBOUND and m.visibility is Visibility.PUBLIC)


def review_context(messages: Sequence[Message], *, complaint: bool, settings: Settings) -> ReviewContext:
    """What the public-reply check needs to know about the thread and the shop."""
    own = tuple(part.strip() for part in re.split(r"[;\n]", settings.public_contact_details) if part.strip())
    return ReviewContext(
        customer_message=last_customer_message(messages),
        complaint=complaint,
        public_replies_so_far=public_replies(messages),
        own_details=own,
        shop_name=settings.shop_name,
    )


def fit_to_mood(
    suggestions: Sequence[Template], library: Iterable[Template], *, complaint: bool, limit: int = 3
) -> list[Template]:
    """Let the customer's mood settle what their words cannot: a complaint is never offered a "thank you"
    template, and always an apology (a template tagged "complaint") first."""
    if not complaint:
        return list(suggestions[:limit])
    kept = [t for t in suggestions if "praise" not in t.tags]
    apology = next((t for t in kept if "complaint" in t.tags), None)
    apology = apology or next((t for t in library if "complaint" in t.tags), None)
    if apology is not None:
        kept = [apology] + [t for t in kept if t.name != apology.name]
    return kept[:limit]
