"""Platform HTML becomes harmless plain text plus the http(s) links it pointed to."""

from __future__ import annotations

import time

import pytest

from socialinbox.connectors.html_text import (
    MAX_HTML_CHARS,
    MAX_LINKS,
    MAX_TEXT_CHARS,
    TRUNCATION_MARKER,
    RenderedText,
    clean_text,
    html_to_text,
    safe_link,
)


def test_paragraphs_and_line_breaks_become_newlines() -> None:
    rendered = html_to_text("<p>Hello   there,</p>\n<p>second\nparagraph<br>new line<br/>another</p>")

    assert rendered == RenderedText(text="Hello there,\n\nsecond paragraph\nnew line\nanother", links=())


def test_mastodon_invisible_url_parts_show_the_full_url() -> None:
    html = (
        '<p>See <a href="https://shop.example/cakes/birthday-chocolate" rel="nofollow noopener" target="_blank">'
        '<span class="invisible">https://</span><span class="ellipsis">shop.example/cakes/birthd</span>'
        '<span class="invisible">ay-chocolate</span></a> please</p>'
    )

    rendered = html_to_text(html)

    assert rendered.text == "See https://shop.example/cakes/birthday-chocolate please"
    assert rendered.links == ("https://shop.example/cakes/birthday-chocolate",)


def test_mentions_and_hashtags_stay_as_text_and_are_not_collected_as_links() -> None:
    html = (
        '<p><span class="h-card"><a href="https://social.example/@bakery" class="u-url mention">'
        "@<span>bakery</span></a></span> love the "
        '<a href="https://social.example/tags/sourdough" class="mention hashtag" rel="tag">'
        "#<span>sourdough</span></a></p>"
    )

    assert html_to_text(html) == RenderedText(text="@bakery love the #sourdough", links=())


@pytest.mark.parametrize(
    "html",
    [
        "<script>steal(document.cookie)</script>",
        "<style>body{display:none}</style>",
        "<script/>steal()</script>",
        "<SCRIPT type='text/javascript'>steal()</SCRIPT>",
        "<script>steal()",  # never closed: everything after it stays hidden, as in a browser
        "<template><p>steal()</p></template>",
        "<iframe src='https://evil.example'>steal()</iframe>",
    ],
)
def test_script_and_style_contents_are_dropped(html: str) -> None:
    rendered = html_to_text(f"<p>before</p>{html}")

    assert "steal" not in rendered.text
    assert "display" not in rendered.text
    assert rendered.text.startswith("before")


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "mailto:owner@shop.example",
        "smb://fileserver/share",
        "/relative/path",
        "//evil.example/no-scheme",
        "https://",
    ],
)
def test_only_http_links_are_collected_but_other_links_keep_their_text(href: str) -> None:
    rendered = html_to_text(f'<p><a href="{href}">claim your coupon</a></p>')

    assert rendered.text == "claim your coupon"
    assert rendered.links == ()


def test_link_text_that_hides_its_target_shows_the_real_target() -> None:
    rendered = html_to_text('<p>Pay at <a href="https://evil.example/pay">https://shop.example/pay</a></p>')

    assert rendered.text == "Pay at https://shop.example/pay (https://evil.example/pay)"
    assert rendered.links == ("https://evil.example/pay",)


def test_shortened_link_text_must_show_the_whole_host() -> None:
    honest = html_to_text('<a href="https://shop.example/cakes/chocolate">shop.example/cakes/cho…</a>')
    spoofed = html_to_text('<a href="https://shop.example.evil.test/pay">shop.example…</a>')

    assert honest.text == "shop.example/cakes/cho…"
    assert spoofed.text == "shop.example… (https://shop.example.evil.test/pay)"


def test_entities_are_decoded_once() -> None:
    rendered = html_to_text("<p>Tom &amp; Jerry &lt;3 &amp;lt;b&amp;gt; caf&eacute; &#x1F35E;</p>")

    assert rendered.text == "Tom & Jerry <3 &lt;b&gt; café 🍞"


@pytest.mark.parametrize(
    "hidden",
    list("\x00\x07\x1b\x7f\x85\x9b\u202a\u202b\u202c\u202d\u202e\u2066\u2069"),
)
def test_controls_nul_and_bidi_overrides_are_removed(hidden: str) -> None:
    assert "x" + hidden + "y" not in html_to_text(f"<p>x{hidden}y</p>").text
    assert hidden not in html_to_text(f"<p>x{hidden}y</p>").text
    assert hidden not in clean_text(f"x{hidden}y")


def test_bidi_override_written_as_an_entity_is_removed() -> None:
    assert html_to_text("<p>invoice&#x202E;fdp.exe&#8236;</p>").text == "invoicefdp.exe"


def test_zero_width_joiners_in_emoji_and_tabs_are_kept() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"

    assert html_to_text(f"<p>{family}</p>").text == family
    assert clean_text("a\tb\nc") == "a\tb\nc"


def test_lone_surrogates_are_removed() -> None:
    assert clean_text("ok\ud800?") == "ok?"


def test_deeply_nested_html_does_not_recurse() -> None:
    depth = 15_000
    html = "<span><i><b>" * depth + "deep" + "</b></i></span>" * depth + "<div>" * depth + "deeper"
    started = time.perf_counter()

    rendered = html_to_text(html)

    assert rendered.text == "deep\n\ndeeper"
    assert time.perf_counter() - started < 5


def test_unbalanced_markup_is_tolerated() -> None:
    rendered = html_to_text(
        "</p></a></script><p>one<a href='https://a.example/'>two<a href='https://b.example/'>three</p>"
    )

    assert rendered.text == "onetwo (https://a.example/)three (https://b.example/)"
    assert rendered.links == ("https://a.example/", "https://b.example/")


def test_huge_text_is_truncated_with_a_marker() -> None:
    rendered = html_to_text("<p>" + "word " * 50_000 + "</p>")

    assert rendered.text.endswith(TRUNCATION_MARKER)
    assert len(rendered.text) <= MAX_TEXT_CHARS + len(TRUNCATION_MARKER)


def test_markup_beyond_the_input_cap_is_not_read() -> None:
    rendered = html_to_text("<b></b>" * (MAX_HTML_CHARS // 7) + "<p>tail</p>" + '<a href="https://late.example/">x</a>')

    assert "tail" not in rendered.text
    assert rendered.text.endswith(TRUNCATION_MARKER)
    assert rendered.links == ()


def test_links_are_deduplicated_and_capped() -> None:
    repeated = '<a href="https://same.example/">https://same.example/</a>' * 3
    many = "".join(f'<a href="https://l{i}.example/">https://l{i}.example/</a> ' for i in range(MAX_LINKS + 20))

    assert html_to_text(repeated).links == ("https://same.example/",)
    assert len(html_to_text(many).links) == MAX_LINKS


def test_images_are_never_fetched_only_their_alt_text_is_kept() -> None:
    rendered = html_to_text('<p>hi <img src="https://tracker.example/pixel.gif" alt=":blobcat:"> there</p>')

    assert rendered == RenderedText(text="hi :blobcat: there", links=())


@pytest.mark.parametrize(
    "url",
    ["https://shop.example/a b", "https://shop.example/\u202eexe", "https://shop.example/\x00", "x" * 10, ""],
)
def test_safe_link_refuses_urls_that_hide_something(url: str) -> None:
    assert safe_link(url) is None


def test_safe_link_accepts_plain_web_addresses() -> None:
    assert safe_link("  https://shop.example/cakes?size=large#top ") == "https://shop.example/cakes?size=large#top"
    assert safe_link("HTTP://SHOP.EXAMPLE/") == "HTTP://SHOP.EXAMPLE/"
