"""Per-channel length limits, counted the way each platform counts."""

from __future__ import annotations

import pytest

from socialinbox.domain import Platform
from socialinbox.limits import (
    count_graphemes,
    count_utf16_units,
    mastodon_length,
    measure,
    measure_reply,
    x_weighted_length,
)

FAMILY = "👩\u200d👩\u200d👧\u200d👦"  # four people joined by zero-width joiners
THUMB_MEDIUM = "👍🏽"  # thumbs up + skin-tone modifier
RAINBOW_FLAG = "🏳\ufe0f\u200d🌈"
E_ACUTE_COMBINING = "e\u0301"  # e + combining acute accent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 5),
        (FAMILY, 1),
        (THUMB_MEDIUM, 1),
        (RAINBOW_FLAG, 1),
        ("🇩🇪🇫🇷", 2),  # two flags, each a pair of regional indicators
        ("1\ufe0f\u20e3", 1),  # keycap one
        (E_ACUTE_COMBINING, 1),
        ("caf" + E_ACUTE_COMBINING + "!", 5),
        ("한국어", 3),
    ],
)
def test_graphemes_count_what_a_person_sees(text: str, expected: int) -> None:
    assert count_graphemes(text) == expected


def test_a_modified_emoji_is_several_code_points_but_one_grapheme() -> None:
    assert len(FAMILY) == 7
    assert count_graphemes(FAMILY * 3) == 3


# --- Bluesky -----------------------------------------------------------------------------------------


def test_bluesky_post_allows_exactly_300_graphemes() -> None:
    assert not measure("a" * 300, Platform.BLUESKY).over
    over = measure("a" * 301, Platform.BLUESKY)
    assert over.over
    assert over.remaining == -1


def test_bluesky_counts_skin_toned_emoji_as_one_character() -> None:
    result = measure(THUMB_MEDIUM * 300, Platform.BLUESKY)
    assert result.used == 300
    assert result.remaining == 0
    assert not result.over


def test_bluesky_chat_allows_1000_graphemes() -> None:
    assert measure("a" * 1000, Platform.BLUESKY, private=True).limit == 1000
    assert not measure("a" * 1000, Platform.BLUESKY, private=True).over
    assert measure("a" * 1001, Platform.BLUESKY, private=True).over


def test_bluesky_post_of_heavy_emoji_is_over_its_byte_cap_within_300_graphemes() -> None:
    result = measure(FAMILY * 200, Platform.BLUESKY)  # 200 graphemes, 25 bytes each
    assert result.used == 200
    assert result.bytes_used == 5000
    assert result.over_bytes
    assert result.over


# --- Mastodon ----------------------------------------------------------------------------------------


def test_mastodon_counts_every_url_as_23_characters() -> None:
    long_url = "https://example.com/" + "x" * 100
    assert mastodon_length(f"see {long_url}") == 4 + 23
    assert mastodon_length("see https://a.io") == 4 + 23


def test_mastodon_leaves_punctuation_after_a_url_outside_it() -> None:
    assert mastodon_length("see https://example.com/menu.") == 4 + 23 + 1


def test_mastodon_does_not_shorten_a_bare_domain() -> None:
    assert mastodon_length("see example.com") == 15


def test_mastodon_counts_only_the_username_of_a_remote_mention() -> None:
    assert mastodon_length("@anna@bakery.example.social thanks!") == len("@anna thanks!")
    assert mastodon_length("@anna thanks!") == len("@anna thanks!")


def test_mastodon_does_not_mistake_an_email_address_for_a_mention() -> None:
    assert mastodon_length("mail anna@example.com") == len("mail anna@example.com")


def test_mastodon_counts_graphemes() -> None:
    assert mastodon_length(FAMILY + E_ACUTE_COMBINING) == 2


def test_mastodon_uses_the_instance_limit() -> None:
    assert measure("a" * 500, Platform.MASTODON).limit == 500
    assert measure("a" * 501, Platform.MASTODON).over
    roomy = measure("a" * 501, Platform.MASTODON, mastodon_limit=5000)
    assert roomy.limit == 5000
    assert not roomy.over
    assert roomy.remaining == 4499


def test_mastodon_reply_with_long_url_fits_where_its_raw_length_would_not() -> None:
    text = "a" * 470 + " https://example.com/" + "x" * 60
    assert len(text) > 500
    assert not measure(text, Platform.MASTODON).over


# --- Telegram ----------------------------------------------------------------------------------------


def test_telegram_allows_4096_characters() -> None:
    assert not measure("a" * 4096, Platform.TELEGRAM).over
    assert measure("a" * 4097, Platform.TELEGRAM).over


def test_telegram_counts_an_emoji_outside_the_basic_plane_as_two_utf16_units() -> None:
    assert count_utf16_units("👍") == 2
    assert count_utf16_units("é") == 1
    assert not measure("👍" * 2048, Platform.TELEGRAM).over
    assert measure("👍" * 2049, Platform.TELEGRAM).over


# --- X -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("日本語", 6),  # CJK weighs 2
        ("안녕", 4),
        (THUMB_MEDIUM, 2),  # a whole emoji sequence weighs 2
        (FAMILY, 2),
        (RAINBOW_FLAG, 2),
        ("🇩🇪", 2),
        (E_ACUTE_COMBINING, 1),  # NFC makes it one light code point
        ("\u2013", 1),  # en dash: a light range
        ("\u2026", 2),  # ellipsis: outside the light ranges
        ("see https://example.com/" + "x" * 80, 4 + 23),
        ("visit mybakery.com today", 6 + 23 + 6),  # twitter-text shortens bare domains too
    ],
)
def test_x_counts_weighted_characters(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_x_post_allows_280_light_or_140_heavy_characters() -> None:
    assert not measure("a" * 280, Platform.X).over
    assert measure("a" * 281, Platform.X).over
    assert not measure("語" * 140, Platform.X).over
    assert measure("語" * 141, Platform.X).over
    assert measure("a", Platform.X).unit == "weighted characters"


def test_x_direct_message_has_a_much_higher_limit() -> None:
    assert not measure("語" * 500, Platform.X, private=True).over


# --- the rest ----------------------------------------------------------------------------------------


def test_email_has_no_limit() -> None:
    result = measure("a" * 100_000, Platform.EMAIL)
    assert result.limit is None
    assert result.remaining is None
    assert not result.over
    assert result.used == 100_000


def test_demo_channel_allows_500_graphemes() -> None:
    assert not measure(THUMB_MEDIUM * 500, Platform.DEMO).over
    assert measure("a" * 501, Platform.DEMO).over


def test_instagram_direct_message_is_capped_in_bytes() -> None:
    result = measure("é" * 501, Platform.INSTAGRAM, private=True)
    assert result.unit == "bytes"
    assert result.used == 1002
    assert result.over


@pytest.mark.parametrize("platform", list(Platform))
@pytest.mark.parametrize("private", [False, True])
def test_every_channel_measures_a_short_reply_as_fitting(platform: Platform, private: bool) -> None:
    result = measure("Thanks! 😊", platform, private=private)
    assert result.used > 0
    assert not result.over


# --- a reply as it will be posted on one account ------------------------------------------------------


def test_mastodon_reply_counts_the_mention_the_connector_adds() -> None:
    result = measure_reply("Thanks!", Platform.MASTODON, recipient_handle="anna@bakers.social")
    assert result.used == len("@anna Thanks!")  # the domain part of a mention is free
    named = measure_reply("@anna@bakers.social Thanks!", Platform.MASTODON, recipient_handle="anna@bakers.social")
    assert named.used == len("@anna Thanks!")


def test_mastodon_reply_uses_the_instance_limits_stored_with_the_account() -> None:
    settings = {"max_characters": 1000, "characters_per_url": 30}
    result = measure_reply("see https://x.io", Platform.MASTODON, account_settings=settings)
    assert result.limit == 1000 and result.used == 4 + 30
    assert measure_reply("a" * 501, Platform.MASTODON, account_settings={"max_characters": 1000}).remaining == 499


@pytest.mark.parametrize("bad", [None, 0, -5, "700", True])
def test_mastodon_reply_falls_back_to_500_when_the_limit_is_unknown_or_odd(bad: object) -> None:
    assert measure_reply("hi", Platform.MASTODON, account_settings={"max_characters": bad}).limit == 500


def test_other_channels_measure_a_reply_as_measure_does() -> None:
    text = "Thanks! " + THUMB_MEDIUM
    assert measure_reply(text, Platform.BLUESKY, private=True, recipient_handle="a") == measure(
        text, Platform.BLUESKY, private=True
    )
    assert measure_reply(text, Platform.X) == measure(text, Platform.X)
