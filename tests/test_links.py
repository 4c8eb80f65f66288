import pytest

from socialinbox.links import find_urls, openable


@pytest.mark.parametrize(
    "url",
    ["https://example.org/menu", "http://shop.example/a?b=c", "HTTPS://EXAMPLE.ORG"],
)
def test_web_links_may_open(url: str) -> None:
    assert openable(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "smb://server/share",
        "https://",
        "mailto:owner@example.org",
        "http://[::1",  # malformed
    ],
)
def test_other_schemes_never_open(url: str) -> None:
    assert not openable(url)


def test_urls_are_found_without_trailing_punctuation() -> None:
    text = "See https://example.org/menu. Or (http://shop.example/x)!"
    assert [text[a:b] for a, b in find_urls(text)] == ["https://example.org/menu", "http://shop.example/x"]
