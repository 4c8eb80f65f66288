"""Real-world mail shapes to plain values: charsets, encoded words, HTML, quotes, attachments, bounces, auto-replies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox.connectors.email_attachments import attachment_payload, format_size
from socialinbox.connectors.email_charset import decode_bytes, decode_header_text
from socialinbox.connectors.email_classify import MailKind
from socialinbox.connectors.email_parse import (
    Address,
    fallback_id,
    message_ids,
    normalize_message_id,
    normalize_subject,
    parse_mail,
    reply_subject,
)

FIXTURES = Path(__file__).parent / "fixtures" / "email"


def mail(name: str, **options: bool):
    return parse_mail((FIXTURES / name).read_bytes(), **options)


def test_gmail_reply_prefers_the_plain_alternative_and_drops_the_wrapped_attribution_and_quote() -> None:
    parsed = mail("gmail_alternative_reply.eml")
    assert parsed.text == (
        "Hi!\n\nThe croissants arrived but two were squashed — could you send replacements with Friday's order? "
        "Photos on request.\n\nThanks,\nMaría"
    )
    assert parsed.sender == Address("María López", "maria.lopez@gmail.example")
    assert parsed.kind is MailKind.PERSONAL


def test_threading_headers_are_normalised_and_the_root_is_the_first_reference() -> None:
    parsed = mail("outlook_original_message_long.eml")
    assert parsed.message_id == "acme-weekly-5@acme.example"
    assert parsed.in_reply_to == "acme-weekly-4@cornerbakery.example"
    assert parsed.references[0] == "acme-weekly-1@acme.example"
    assert parsed.thread_root == "acme-weekly-1@acme.example"


def test_outlook_original_message_history_is_cut_and_the_signature_kept_above_it() -> None:
    assert mail("outlook_original_message_long.eml").text == (
        "Please add 4 baguettes this week.\n\nBest regards,\nOffice Manager | ACME"
    )


def test_html_only_outlook_mail_becomes_text_without_styles_header_block_or_remote_image() -> None:
    parsed = mail("outlook_html_only.eml")
    assert parsed.text == (
        "Hello,\n\nI’d like to order a 3-tier wedding cake for 12 June – is that date still free? Budget around €400."
        "\n\nKind regards\nJonathan Pryce"
    )
    assert "tracker" not in parsed.text and not parsed.links  # the 1-pixel image is never a link, never loaded
    assert "MsoNormal" not in parsed.text


def test_iso_8859_1_label_is_read_as_windows_1252_in_body_and_encoded_words() -> None:
    parsed = mail("latin1_really_cp1252.eml")
    assert "45 €" in parsed.text and "„Schwarzwälder“" in parsed.text
    assert parsed.subject == "Falsche Torte geliefert – Bestellung 1077"
    assert parsed.sender == Address("Jürgen Weiß", "juergen.weiss@web.example")


def test_iso_2022_jp_body_subject_and_name_are_decoded() -> None:
    parsed = mail("iso2022jp.eml")
    assert parsed.subject == "ケーキの予約について"
    assert parsed.sender is not None and parsed.sender.name == "山田 花子"
    assert "ショートケーキを2つ予約したいです" in parsed.text


def test_koi8_r_base64_body_and_q_encoded_subject_are_decoded() -> None:
    parsed = mail("koi8r_base64.eml")
    assert parsed.subject == "Торт без глютена"
    assert parsed.sender is not None and parsed.sender.name == "Ольга Смирнова"
    assert parsed.text.startswith("Здравствуйте!\nСкажите, пожалуйста, есть ли у вас торты без глютена?")


def test_dates_become_aware_utc() -> None:
    assert mail("iso2022jp.eml").date == datetime(2026, 11, 23, 1, 3, tzinfo=UTC)


def test_flowed_text_is_joined_and_a_bottom_posted_answer_kept_below_the_quote() -> None:
    assert mail("thunderbird_flowed_bottom.eml").text == (
        "Thank you! Could I then pre-order a Stollen for the 24th, to pick up at 8 o'clock? My name is Lena Fischer, "
        "phone 0176 1234567.\n\nLena"
    )


def test_apple_mail_signature_and_quote_are_removed() -> None:
    assert mail("apple_mail_reply.eml").text == "Perfect, I'll pick up two loaves on Thursday."


def test_attachments_are_named_sized_items_and_signature_logos_are_left_out() -> None:
    parsed = mail("attachments_mixed.eml")
    names = [(a.name, a.content_type) for a in parsed.attachments]
    assert names == [
        ("Rechnung_März.pdf", "application/pdf"),  # an encoded word in the name, as Outlook writes it
        ("tårta skadad.jpg", "image/jpeg"),  # RFC 2231, inline with a Content-ID, but a real photo
        ("evil.sh", "application/octet-stream"),  # "../../etc/evil.sh": never a path
        ("forwarded message.eml", "message/rfc822"),
    ]
    assert parsed.attachments[0].size == 2760
    assert parsed.text.endswith("The courier's note is forwarded below.\n\nAnna")  # the "-- " signature is gone


def test_an_attachment_can_be_read_back_for_saving() -> None:
    raw = (FIXTURES / "attachments_mixed.eml").read_bytes()
    attachment, data = attachment_payload(raw, 1)
    assert attachment.name == "Rechnung_März.pdf" and data.startswith(b"%PDF-1.4") and len(data) == attachment.size
    with pytest.raises(LookupError):
        attachment_payload(raw, 9)


def test_a_partly_read_large_mail_lists_attachments_without_sizes() -> None:
    parsed = mail("attachments_mixed.eml", truncated=True)
    assert parsed.attachments and all(a.size is None for a in parsed.attachments)


def test_delivery_report_is_a_bounce_naming_the_recipient_the_reason_and_the_subject() -> None:
    parsed = mail("bounce_dsn.eml")
    assert parsed.kind is MailKind.BOUNCE
    assert parsed.bounce_note == (
        "The e-mail to pieter@tyypo.example (subject: Re: Sourdough workshop) could not be delivered: "
        "550 5.1.1 <pieter@tyypo.example>: Recipient address rejected: User unknown."
    )


@pytest.mark.parametrize("name", ["auto_reply_out_of_office.eml", "auto_reply_vacation.eml", "bulk_newsletter.eml"])
def test_automatic_mail_is_recognised(name: str) -> None:
    assert mail(name).kind is MailKind.AUTO_REPLY


def head(*lines: str, body: str = "Hello") -> bytes:
    base = ["From: Kim <kim@example.org>", "To: shop@cornerbakery.example", "Message-ID: <k1@example.org>"]
    return ("\r\n".join([*base, *lines]) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.mark.parametrize(
    ("lines", "kind"),
    [
        (["Subject: Question", "Auto-Submitted: no"], MailKind.PERSONAL),
        (["Subject: Question", "Precedence: list", "List-Id: <support.cornerbakery.example>"], MailKind.PERSONAL),
        (["Subject: Question", "Return-Path: <>"], MailKind.AUTO_REPLY),
        (["Subject: Abwesenheitsnotiz: Ihre Anfrage"], MailKind.AUTO_REPLY),
        (["Subject: Question", "X-Autogenerated: Reply"], MailKind.AUTO_REPLY),
        (["Subject: Read: Question", "Content-Type: multipart/report; report-type=disposition-notification"], "auto"),
        (["From: MAILER-DAEMON@mx.example", "Subject: failure notice"], MailKind.BOUNCE),
    ],
)
def test_mail_kind_from_headers(lines: list[str], kind: MailKind | str) -> None:
    expected = MailKind.AUTO_REPLY if kind == "auto" else kind
    raw = head(*lines)
    if lines[0].startswith("From:"):  # replace the default sender
        raw = raw.replace(b"From: Kim <kim@example.org>\r\n", b"")
    assert parse_mail(raw).kind is expected


def test_a_shops_support_list_stamping_customers_mail_is_not_mistaken_for_a_newsletter() -> None:
    raw = head("Subject: Where is my order?", "Precedence: list", "Mailing-list: list support@cornerbakery.example")
    assert parse_mail(raw).kind is MailKind.PERSONAL


def test_contact_form_mail_answers_to_its_reply_to_and_has_no_message_id() -> None:
    parsed = mail("contact_form_no_message_id.eml")
    assert parsed.message_id is None and parsed.thread_root is None
    assert parsed.correspondent == Address("Sam Okafor", "sam.okafor@proton.example")


def test_raw_utf8_headers_and_unknown_charsets_still_read() -> None:
    raw = "From: Zoë <zoe@example.org>\r\nSubject: Café order\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\n"
    parsed = parse_mail(raw.encode("utf-8") + "Crème brûlée ×2".encode())
    assert parsed.subject == "Café order" and parsed.sender == Address("Zoë", "zoe@example.org")
    assert parsed.text == "Crème brûlée ×2"


def test_html_part_without_a_plain_alternative_gives_its_links() -> None:
    raw = head(
        "Subject: Link",
        "Content-Type: text/html; charset=utf-8",
        body='<p>See <a href="https://x.example/a">this</a></p>',
    )
    parsed = parse_mail(raw)
    assert parsed.text == "See this (https://x.example/a)" and parsed.links == ("https://x.example/a",)


def test_plain_text_links_are_collected_but_only_http() -> None:
    parsed = parse_mail(
        head("Subject: Links", body="Menu: https://cornerbakery.example/menu. Not: javascript:alert(1)")
    )
    assert parsed.links == ("https://cornerbakery.example/menu",)


def test_control_and_bidi_characters_never_reach_the_text() -> None:
    parsed = parse_mail(head("Subject: =?utf-8?q?Hi=E2=80=AEtxt.exe?=", body="Pay \u202eevil\x07 now"))
    assert "\u202e" not in parsed.subject and "\u202e" not in parsed.text and "\x07" not in parsed.text


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        (b"caf\xe9", "iso-8859-1", "café"),
        (b"\x93quoted\x94", "ISO-8859-1", "“quoted”"),
        (b"caf\xc3\xa9", None, "café"),
        (b"caf\xe9", "us-ascii", "café"),  # 8-bit text labelled ASCII: Windows-1252
        (b"caf\xe9", "utf-8", "café"),  # not UTF-8 after all
        ("中文".encode("gbk"), "gb2312", "中文"),
        ("한국".encode("cp949"), "ks_c_5601-1987", "한국"),
    ],
)
def test_decode_bytes_never_fails_and_guesses_like_mail_readers(data: bytes, charset: str | None, text: str) -> None:
    assert decode_bytes(data, charset) == text


def test_encoded_words_in_an_unknown_charset_still_read() -> None:
    # RFC 2047: the space between two encoded words is not part of the text.
    assert (
        decode_header_text("=?utf-8?q?ok?= =?bogus-charset?q?x?= and =?utf-8?b?bm90IGI2NA?=") == "okx and not b64"
    )  # unpadded base64 is forgiven


def test_message_ids_are_normalised_for_comparison() -> None:
    assert normalize_message_id(" <ABC.123@Mail.Example.COM> ") == "ABC.123@mail.example.com"
    assert message_ids("<a@x.example>\r\n <b@X.example> <a@x.example>") == ("a@x.example", "b@x.example")
    assert normalize_message_id("") is None


def test_subjects_lose_reply_prefixes_and_list_tags_and_replies_do_not_stack_them() -> None:
    assert normalize_subject("Re: AW: [Bakery] RE:  Order 12") == "order 12"
    assert reply_subject("Re: Re: Order 12") == "Re: Order 12"
    assert reply_subject("AW: Bestellung") == "Re: Bestellung"
    assert reply_subject("") == "Re: your e-mail"


def test_fallback_id_is_stable_and_distinguishes_mails() -> None:
    when = datetime(2026, 11, 23, 7, tzinfo=UTC)
    sam = Address("Sam", "sam@example.org")
    assert fallback_id(when, sam, "Catering") == fallback_id(when, sam, "Catering")
    assert fallback_id(when, sam, "Catering") != fallback_id(when, sam, "Catering again")
    assert fallback_id(when, sam, "x").startswith("sha256:")


def test_sizes_read_like_a_file_manager() -> None:
    assert [format_size(s) for s in (None, 12, 2760, 5 * 1024 * 1024)] == ["size unknown", "12 bytes", "3 KB", "5.0 MB"]
