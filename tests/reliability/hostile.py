"""R4's corpus: message content written to hurt a desktop app, as Mastodon (HTML) and Telegram (plain text) send it.

Each entry names the words the owner must see and the things that must never show up as live content. The remote
host ``evil.example`` appears in every remote reference: any request to it means something was fetched.
"""

from __future__ import annotations

import dataclasses

EVIL = "evil.example"
RLO, PDF, ZWSP, ZWJ = "\u202e", "\u202c", "\u200b", "\u200d"


@dataclasses.dataclass(frozen=True)
class Hostile:
    name: str
    content: str  # Mastodon: the status HTML; Telegram: the message text as the customer typed it
    visible: tuple[str, ...]  # words the owner must see in the conversation pane
    hidden: tuple[str, ...] = ()  # text that must not appear (script bodies, style rules, invisible tricks)


MASTODON_CORPUS = (
    Hostile(
        "script",
        "<p>before</p><script>alert('pwned-by-script')</script><p>after script</p>",
        ("before", "after script"),
        ("pwned-by-script",),
    ),
    Hostile(
        "style",
        f"<style>body {{ background: url(https://{EVIL}/bg.png) }} .x{{display:none}}</style>"
        "<p>styled order question</p>",
        ("styled order question",),
        ("background", "display:none"),
    ),
    Hostile(
        "remote-image",
        f'<p>photo of the cake <img src="https://{EVIL}/pixel.png" alt="a broken cake"> here</p>',
        ("photo of the cake", "a broken cake"),
    ),
    Hostile(
        "links",
        '<p><a href="javascript:alert(1)">click for a refund</a> or <a href="file:///etc/passwd">my receipt</a> or '
        '<a href="data:text/html,&lt;script&gt;alert(2)&lt;/script&gt;">this</a></p>',
        ("click for a refund", "my receipt"),
    ),
    Hostile("rtl-override", f"<p>see invoice_{RLO}fdp.exe{PDF} please</p>", ("see invoice_fdp.exe please",), (RLO,)),
    Hostile(
        "zero-width-and-controls",
        f"<p>pa{ZWSP}ss \x07bell\x1b[31m red {ZWJ}joined</p>",
        ("bell", "red"),
        ("\x07", "\x1b"),
    ),
    Hostile("nul-bytes", "<p>nul\x00byte\x00inside</p>", ("nulbyteinside",), ("\x00",)),
    Hostile("one-megabyte", "<p>" + ("all work and no play " * 50_000) + "</p>", ("all work and no play",)),
    Hostile("ten-thousand-emoji", "<p>" + "😀" * 10_000 + "</p>", ("😀😀😀😀😀",)),
    Hostile(
        "deep-nesting",
        "<div>" * 5_000 + "<b><i>" * 2_000 + "deep inside" + "</i></b>" * 2_000 + "</div>" * 5_000,
        ("deep inside",),
    ),
    Hostile(
        "markup-as-text",
        "<p>&lt;img src=https://evil.example/x.png onerror=alert(3)&gt; &lt;b&gt;not bold&lt;/b&gt;</p>",
        ("<img src=https://evil.example/x.png onerror=alert(3)>", "<b>not bold</b>"),
    ),
)

TELEGRAM_CORPUS = (
    Hostile(
        "script-as-text",
        "<script>alert('telegram')</script> is this on?",
        ("<script>alert('telegram')</script> is this on?",),
    ),
    Hostile(
        "img-as-text",
        f'<img src="https://{EVIL}/t.png"> where is my order',
        (f'<img src="https://{EVIL}/t.png"> where is my order',),
    ),
    Hostile(
        "schemes",
        "try javascript:alert(1) and file:///etc/passwd and data:text/html,hi",
        ("javascript:alert(1)", "file:///etc/passwd"),
    ),
    Hostile("rtl-and-nul", f"refund {RLO}reversed{PDF} now\x00!", ("refund reversed now!",), (RLO, "\x00")),
    Hostile("one-megabyte", "x" * 1_000_000, ("xxxxxxxxxx",)),
    Hostile("ten-thousand-emoji", "🎂" * 10_000, ("🎂🎂🎂🎂🎂",)),
)
