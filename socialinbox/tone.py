"""Review a reply draft before it goes out in public: tone, repeated public replies, personal data, complaints.

Pure rules over the draft text; the one heavy part, VADER's lexicon, is loaded once by the ``ToneChecker`` the
caller owns. Findings advise, they never block: the owner can send anyway, and a private reply gets no findings at
all (the check never stands between a shop and a customer in a direct message).

Spans are ``(start, end)`` offsets into the draft as given, so the composer can underline them; a ``fix`` is a
whole replacement draft the owner can accept with one click.
"""

from __future__ import annotations

import dataclasses
import enum
import re

from socialinbox.sentiment import Analyzer, make_analyzer


class Severity(enum.StrEnum):
    WARNING = "warning"
    INFO = "info"


class Code(enum.StrEnum):
    DEFENSIVE = "defensive"
    ALL_CAPS = "all-caps"
    EXCLAMATION = "exclamation"
    NEGATIVE = "negative-tone"
    THIRD_PUBLIC_REPLY = "third-public-reply"
    PERSONAL_DATA = "personal-data"
    ASKS_PERSONAL_DATA = "asks-personal-data"
    NO_APOLOGY = "complaint-no-apology"
    NO_NEXT_STEP = "complaint-no-next-step"


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    code: Code
    severity: Severity
    message: str  # for the owner, in plain words
    span: tuple[int, int] | None = None
    fix: str | None = None  # the whole draft, corrected; None where only the owner can rewrite it


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewContext:
    customer_message: str = ""  # the customer's last message in the thread
    complaint: bool = False
    public_replies_so_far: int = 0  # the shop's public replies already in this thread
    own_details: tuple[str, ...] = ()  # the shop's own e-mail, phone, address: fine to post publicly
    shop_name: str = ""  # its words are never "shouting", even in capitals


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


# (pattern, message, removable): a removable phrase is filler whose deletion is the fix.
_DEFENSIVE: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    (_words("actually"), "'Actually' can sound like correcting the customer.", True),
    (_words("obviously"), "'Obviously' can sound condescending.", True),
    (
        _words(
            r"as (?:we|i)(?: have)?(?: already| previously)? (?:said|mentioned|explained|stated|told you)",
            r"like i (?:already )?said",
            r"as (?:clearly )?stated",
        ),
        "Pointing out that you said it before reads as impatience.",
        False,
    ),
    (
        _words(
            r"you should(?: have|'ve| of)",
            r"if you had (?:read|checked|looked)",
            r"you (?:didn't|did not) (?:read|check)",
        ),
        "This puts the blame on the customer.",
        False,
    ),
    (
        _words(r"not (?:our|my) (?:fault|problem|responsibility)", r"nothing (?:we|i) can do"),
        "Denying responsibility in public reads as defensive, even when it is true.",
        False,
    ),
    (
        _words("calm down", "with all due respect", r"no offen[cs]e,? but", "clearly you"),
        "This can sound dismissive or argumentative.",
        False,
    ),
    (
        _words(
            r"sure,? because",
            r"yeah,? right",
            "thanks for nothing",
            "good luck with that",
            "nice try",
            r"news ?flash",
            r"sorry (?:you feel|if you)",
        ),
        "This can read as sarcasm or a non-apology.",
        False,
    ),
)
_NON_APOLOGY = _words(r"sorry (?:you feel|if you)\w*")
_APOLOGY = _words("sorry", r"apologi[sz]\w*", "apology", "regret")
_APOLOGY_WORDS = _words(
    "so sorry", "really sorry", "sorry", r"(?:our|my) apologies", r"apologi[sz]\w*", "oh no", "unfortunately", "regret"
)
_NEXT_STEP = _words(
    r"we'll",
    "we will",
    r"i'll",
    "i will",
    r"we're (?:sending|going to|looking into|checking|on it|refunding|replacing)",
    r"we are (?:sending|going to|looking into|checking|refunding|replacing)",
    r"i'm (?:going to|looking into|checking)",
    r"let's",
    r"(?:dm|message|e-?mail|contact|call|ring) (?:us|me)",
    r"send (?:us|me) a (?:dm|direct message|message)",
    "get in touch",
    "reach out",
    r"(?:could|can) you (?:send|dm|message)",
)
_ACRONYMS = frozenset(
    "ASAP BBQ CBD COVID DHL DIY DMS EU FAQ GDPR GPS ID IKEA LOL NHS NYC OMG PDF PIN QR RSVP SMS TBC TV UK UPS URL "
    "USA USPS VAT VIP XL XXL".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_WARMTH = _words(
    *"thanks thank glad happy love lovely wonderful great appreciate welcome delighted pleasure enjoy hope "
    "hi hello hey congratulations congrats".split()
)
_WARM_EMOJI = re.compile(
    "[\u2764\u2665\U0001f49b\U0001f49a\U0001f499\U0001f49c\U0001f9e1\U0001f970\U0001f60a"
    "\U0001f642\U0001f60d\U0001f64f\u2728\U0001f389\U0001f44d\U0001f600\U0001f603\U0001f604]"
)
_BANG_RUN = re.compile(r"[!?]*!+[!?]*")

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w#(])(?:\+|00|\()?\d(?:[ \-.()/]{0,2}\d){6,14}(?!\w)")
_NOT_A_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}[.:]\d{2}\s*-\s*\d{1,2}[.:]\d{2}")
_ORDER = re.compile(
    r"\border\s*(?:no\.?|number|nr\.?|id|ref(?:erence)?)?\s*[:#]?\s*#?\s*[A-Z]{0,3}-?\d{3,}\b|(?<![\w&])#\d{4,}\b",
    re.IGNORECASE,
)
_STREET = re.compile(
    r"\b\d{1,5}[a-z]?,?\s+(?:[A-Z][\w'-]*\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Boulevard|"
    r"Blvd|Court|Ct|Place|Pl|Close|Terrace|Crescent|Square|Sq|Gardens|Grove|Row|Parade|Mews)\b"
    r"|\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz)\s+\d{1,4}[a-z]?\b",
)
_ASK = re.compile(
    r"\b(?P<verb>send|post|share|give|leave|tell|drop|write|put|comment|reply|respond|type)(?P<us>\s+(?:us|me))?"
    r"(?:\s+(?:back\s+)?with)?\s+(?P<object>(?:your|the)\s+(?:(?:full|home|delivery|postal|shipping|mobile|contact)\s+)*"
    r"(?:address|phone(?:\s+number)?|number|e-?mail(?:\s+address)?|order\s+(?:number|no\.?|id|reference)|post\s*code|"
    r"zip(?:\s+code)?|details|booking\s+(?:number|reference)))\b(?P<where>\s+(?:here|below|publicly|in\s+(?:the|a)\s+"
    r"(?:comments?|reply|thread)))?",
    re.IGNORECASE,
)
_PRIVATE_CHANNEL = _words(
    r"dms?",
    r"direct(?:ly)? message",
    r"private(?:ly)?",
    "in private",
    "inbox",
    "message us",
    r"e-?mail us",
    r"(?:by|via|over) (?:e-?mail|phone)",
    "call us",
)
_GREETING = re.compile(r"(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^,.!?\n]{0,40}[,.!]\s*", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


class ToneChecker:
    """Builds the sentiment analyser once (it reads a lexicon file); reuse one checker for every review."""

    def __init__(
        self,
        *,
        negative_threshold: float = -0.5,
        complaint_threshold: float = -0.5,
        analyzer: Analyzer | None = None,  # the app's shared one (socialinbox.sentiment)
    ) -> None:
        self._analyzer = analyzer or make_analyzer()
        self.negative_threshold = negative_threshold
        self.complaint_threshold = complaint_threshold

    def sentiment(self, text: str) -> float:
        """VADER's compound score, from -1 (hostile) to 1 (warm)."""
        return float(self._analyzer.polarity_scores(text)["compound"])

    def review(self, draft: str, *, public: bool, context: ReviewContext) -> list[Finding]:
        if not public or not draft.strip():
            return []
        findings = [
            *_defensive(draft),
            *_all_caps(draft, context.shop_name),
            *_exclamation(draft),
            *self._negative(draft),
            *_third_public_reply(context),
            *_personal_data(draft, context.own_details),
            *_asks_personal_data(draft),
        ]
        if context.complaint or self._reads_as_complaint(context.customer_message):
            findings += _complaint(draft)
        return findings

    def _reads_as_complaint(self, message: str) -> bool:
        # The thread may not be marked a complaint yet; an angry last message makes it one for this review.
        return bool(message.strip()) and self.sentiment(message) <= self.complaint_threshold

    def _negative(self, draft: str) -> list[Finding]:
        # VADER reads "sorry" and "oh no" as negative; an apology is what a good reply needs, so it is not scored.
        score = self.sentiment(_APOLOGY_WORDS.sub(" ", _plain(draft)))
        if score > self.negative_threshold:
            return []
        # A negative-sounding apology is usually empathy ("that's awful"): worth a look, not a warning.
        severity = Severity.INFO if _has_apology(draft) else Severity.WARNING
        message = f"This reads as negative (tone score {score:+.2f}). Could it sound warmer?"
        return [Finding(Code.NEGATIVE, severity, message)]


# --- tone -----------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Curly apostrophes become straight ones; same length, so spans found in the result fit the draft."""
    return text.replace("\u2019", "'")


def _defensive(draft: str) -> list[Finding]:
    text = _plain(draft)
    findings = []
    for pattern, message, removable in _DEFENSIVE:
        for match in pattern.finditer(text):
            fix = _remove(draft, match.start(), match.end()) if removable else None
            findings.append(Finding(Code.DEFENSIVE, Severity.WARNING, message, match.span(), fix))
    return sorted(findings, key=lambda f: f.span or (0, 0))


def _remove(draft: str, start: int, end: int) -> str:
    """Drop a filler word with its comma and space, keeping the sentence readable."""
    after = re.compile(r",?\s*").match(draft, end)
    rest = draft[after.end() if after else end :]
    before = draft[:start]
    if not rest or rest[0] in ".!?,;:":
        before = before.rstrip(" ,")
    elif _at_sentence_start(draft, start):
        rest = rest[0].upper() + rest[1:]
    return before + rest


def _at_sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in ".!?\n"


def _all_caps(draft: str, shop_name: str) -> list[Finding]:
    allowed = _ACRONYMS | {w.upper() for w in _WORD.findall(shop_name)}
    spans = [
        m.span()
        for m in _WORD.finditer(draft)
        if len(m.group().replace("'", "")) >= 3 and m.group().isupper() and m.group() not in allowed
    ]
    if not spans:
        return []
    fixed = draft
    for start, end in spans:  # same length after lower-casing, so the spans stay valid
        word = draft[start:end].lower()
        fixed = fixed[:start] + (word.capitalize() if _at_sentence_start(draft, start) else word) + fixed[end:]
    return [
        Finding(Code.ALL_CAPS, Severity.WARNING, f"'{draft[s:e]}' in capitals reads as shouting.", (s, e), fixed)
        for s, e in spans
    ]


def _exclamation(draft: str) -> list[Finding]:
    runs = [m for m in _BANG_RUN.finditer(draft) if len(m.group()) > 1]
    warmth = len(_WARMTH.findall(draft)) + len(_WARM_EMOJI.findall(draft))
    bangs = [m.start() for m in re.finditer("!", draft)]
    if not runs and len(bangs) <= 1 + 2 * warmth:
        return []
    span = runs[0].span() if runs else (bangs[1 + 2 * warmth], bangs[1 + 2 * warmth] + 1)
    fixed = _BANG_RUN.sub(lambda m: "?" if "?" in m.group() else "!", draft)
    first = fixed.find("!")
    fixed = fixed[: first + 1] + fixed[first + 1 :].replace("!", ".")
    message = "More exclamation marks than warmth can sound agitated. One is plenty."
    return [Finding(Code.EXCLAMATION, Severity.INFO, message, span, fixed)]


# --- the thread -----------------------------------------------------------------------------------


def _third_public_reply(context: ReviewContext) -> list[Finding]:
    if context.public_replies_so_far < 2:
        return []
    count = context.public_replies_so_far + 1
    ordinal = {3: "third", 4: "fourth", 5: "fifth"}.get(count, f"{count}th")
    message = (
        f"This would be your {ordinal} public reply in this thread. "
        "Take it private: a direct message ends a public back-and-forth kindly."
    )
    return [Finding(Code.THIRD_PUBLIC_REPLY, Severity.WARNING, message)]


def _complaint(draft: str) -> list[Finding]:
    findings = []
    if not _has_apology(draft):
        message = "This answers a complaint without an apology. A short, sincere 'sorry' goes a long way."
        findings.append(Finding(Code.NO_APOLOGY, Severity.WARNING, message, None, _with_apology(draft)))
    if not _NEXT_STEP.search(_plain(draft)):
        message = "This answers a complaint without a next step. Say what you will do, or invite them to message you."
        fix = draft.rstrip() + " Please send us a direct message so we can put this right."
        findings.append(Finding(Code.NO_NEXT_STEP, Severity.WARNING, message, None, fix))
    return findings


def _with_apology(draft: str) -> str:
    """Put the apology first, but after a greeting: "Hi Anna, we're so sorry about this. We'll ..."."""
    greeting = _GREETING.match(draft.lstrip())
    if not greeting:
        return "We're so sorry about this. " + draft.lstrip()
    rest = draft.lstrip()[greeting.end() :]
    if greeting.group().rstrip().endswith(","):
        return f"{greeting.group()}we're so sorry about this. {rest[:1].upper()}{rest[1:]}"
    return f"{greeting.group()}We're so sorry about this. {rest}"


def _has_apology(draft: str) -> bool:
    return bool(_APOLOGY.search(_NON_APOLOGY.sub(" ", _plain(draft))))


# --- personal data --------------------------------------------------------------------------------


def _personal_data(draft: str, own_details: tuple[str, ...]) -> list[Finding]:
    own = [_squash(detail) for detail in own_details if _squash(detail)]
    # Digits inside a link (a product page, a tracking URL) are not a phone number.
    found = [("link", m.span()) for m in _URL.finditer(draft)]
    detectors = (
        ("an order number", _ORDER),
        ("an e-mail address", _EMAIL),
        ("a street address", _STREET),
        ("a phone number", _PHONE),
    )
    for kind, pattern in detectors:
        for match in pattern.finditer(draft):
            overlaps = any(match.start() < e and s < match.end() for _, (s, e) in found)
            if overlaps or any(_squash(match.group()) in detail for detail in own):
                continue
            if pattern is _PHONE and _NOT_A_PHONE.fullmatch(match.group().strip()):
                continue
            found.append((kind, match.span()))
    return [
        Finding(Code.PERSONAL_DATA, Severity.WARNING, f"This looks like {kind}; keep it out of a public reply.", span)
        for kind, span in sorted(found, key=lambda item: item[1])
        if kind != "link"
    ]


def _squash(text: str) -> str:
    """Letters and digits only, so '+44 20 7946 0958' matches '020-7946-0958'-style variants of the same detail."""
    squashed = "".join(char for char in text.casefold() if char.isalnum())
    return squashed[2:] if squashed.startswith("00") else squashed


def _asks_personal_data(draft: str) -> list[Finding]:
    message = "This asks the customer to post private details in public. Ask for them by direct message instead."
    findings = []
    for sentence in _SENTENCE.finditer(draft):
        if _PRIVATE_CHANNEL.search(_plain(sentence.group())):
            continue
        for match in _ASK.finditer(draft, sentence.start(), sentence.end()):
            verb = match.group("verb") + (match.group("us") or "")
            if match.group("verb").lower() in ("post", "comment", "reply", "respond", "type", "write", "put"):
                verb = "send us"  # "reply with your number by direct message" would still invite a public reply
            request = f"{verb} {match.group('object')} by direct message"
            if _at_sentence_start(draft, match.start()):
                request = request[0].upper() + request[1:]
            fix = draft[: match.start()] + request + draft[match.end() :]
            findings.append(Finding(Code.ASKS_PERSONAL_DATA, Severity.WARNING, message, match.span(), fix))
    return findings
