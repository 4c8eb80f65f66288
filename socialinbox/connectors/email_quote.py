"""The new part of an e-mail: quoted earlier replies and signatures removed, in plain text.

Mail programs quote in a few recognisable ways, and this module knows the common ones:
- an attribution line before the quote: "On Tue, 3 Apr 2012, Bob <bob@example.com> wrote:" (Gmail, Apple Mail,
  Thunderbird; often wrapped over two or three lines; also in German, French, Spanish, Dutch, Italian, Scandinavian);
- Outlook's "-----Original Message-----" line, or its header block ("From: ... Sent: ... To: ... Subject: ..."),
  sometimes after a line of underscores;
- lines starting with ">" (quoted text, also interleaved with the answers: the answers are kept);
- the signature after a "-- " line, and the "Sent from my iPhone" kind of footer.
When stripping would leave nothing (a mail that is all quote, or a forwarded message), the whole text is kept:
losing a customer's words is worse than showing a quote.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{3,300}\bwrote:"  # English (Gmail, Apple Mail, Thunderbird)
    r"|Am\b.{3,300}\bschrieb.{0,200}:"  # German
    r"|Le\b.{3,300}\ba écrit\s?:"  # French
    r"|El\b.{3,300}\bescribió:"  # Spanish
    r"|Op\b.{3,300}\bschreef.{0,200}:"  # Dutch
    r"|Il giorno\b.{3,300}\bha scritto:"  # Italian
    r"|(?:Den|På)\b.{3,300}\bskrev.{0,200}:"  # Danish, Norwegian, Swedish
    r")\s*$",
    re.IGNORECASE,
)
_SHORT_ATTRIBUTION = re.compile(r"^\s*\S.{0,200}\b(?:wrote|schrieb|a écrit|escribió|schreef|skrev)\s?:\s*$", re.I)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|"
    r"Messaggio originale|Oorspronkelijk bericht|Originalmeddelande|Opprinnelig melding)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Da|Van|Från|Fra)\s?:\*?\s+\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado|Para|Asunto|"
    r"Inviato|Oggetto|Verzonden|Aan|Onderwerp|Skickat|Till|Ämne|Sendt|Emne)\s?:\*?(?:\s|$)",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:Sent from my \w[\w ]{0,30}|Sent from (?:Mail|Outlook|Yahoo Mail)\b.{0,60}|Get Outlook for \w+.{0,20}|"
    r"Von meinem \w[\w ]{0,30} gesendet|Envoyé de mon \w[\w ]{0,30}|Enviado desde mi \w[\w ]{0,30})\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_SPAN = 3  # Gmail wraps a long attribution over up to three lines


def new_part(text: str) -> str:
    """The part of a plain-text mail its sender wrote now: no quoted history, no signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept = _without_quotes(lines)
    kept = _without_signature(kept)
    result = "\n".join(kept).strip()
    return result or text.strip()


def _without_quotes(lines: list[str]) -> list[str]:
    """Lines outside quotes, up to where unquoted history (Outlook's style, converted HTML) begins.

    An attribution followed by ">" lines only introduces that quote: text after the quote is kept (bottom posting
    and answers between quoted lines). One followed by plain lines starts history that runs to the end.
    """
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _ORIGINAL_MESSAGE.match(line) or _is_header_block(lines, index):
            return _drop_separator(kept)
        if _UNDERSCORES.match(line) and _is_header_block(lines, _next_content(lines, index + 1)):
            return kept
        span = _attribution_span(lines, index)
        if span:
            after = _next_content(lines, index + span)
            if after < len(lines) and not lines[after].lstrip().startswith(">"):
                return kept
            index = after
            continue
        if not line.lstrip().startswith(">"):
            kept.append(line)
        index += 1
    return kept


def _attribution_span(lines: list[str], index: int) -> int:
    """How many lines the attribution starting at ``index`` takes (0: none starts there)."""
    if not lines[index].strip():
        return 0
    for span in range(1, _ATTRIBUTION_SPAN + 1):
        chunk = lines[index : index + span]
        if len(chunk) < span or any(not piece.strip() for piece in chunk[1:]):
            return 0
        joined = " ".join(piece.strip() for piece in chunk)
        if _ATTRIBUTION.match(joined):
            return span
        if span == 1 and _SHORT_ATTRIBUTION.match(joined):
            # "Bob wrote:" alone is also prose ("my sister wrote:"): only a quote right after makes it an attribution.
            after = _next_content(lines, index + 1)
            if after < len(lines) and lines[after].lstrip().startswith(">"):
                return 1
    return 0


def _is_header_block(lines: list[str], index: int) -> bool:
    """Outlook's block: a "From:" line followed closely by at least two of Sent/Date/To/Cc/Subject."""
    if index >= len(lines) or not _HEADER_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 7] if line.strip()]
    return sum(1 for line in following[:5] if _HEADER_OTHER.match(line)) >= 2


def _drop_separator(kept: list[str]) -> list[str]:
    """Outlook puts a line of underscores above its header block: it belongs to the history."""
    while kept and not kept[-1].strip():
        kept = kept[:-1]
    return kept[:-1] if kept and _UNDERSCORES.match(kept[-1]) else kept


def _next_content(lines: list[str], start: int) -> int:
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _without_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        # "-- " is the standard delimiter; HTML conversion and some clients drop its trailing space.
        if line.rstrip() == "--" and any(previous.strip() for previous in lines[:index]):
            lines = lines[:index]
            break
    while lines and (not lines[-1].strip() or _MOBILE_FOOTER.match(lines[-1])):
        lines = lines[:-1]
    return lines
