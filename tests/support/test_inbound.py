"""Parsing real-looking mail: support.inbound, bytes in, decoded message out; no database."""

# Chinese mail is full of full-width punctuation; that is what these tests check.
# ruff: noqa: RUF001

import base64

import pytest

from support.exceptions import MalformedEmail
from support.inbound import (
    email_parse,
    header_decode,
    html_to_text,
    quoted_reply_strip,
    subject_clean,
    text_decode,
)
from tests.support.helpers import OUR_REPLY_ID, TOKEN, eml


def test_gmail_message_is_read_from_its_plain_part():
    parsed = email_parse(eml("gmail_new_request.eml"))

    assert parsed.message_id == "<CAKx9fQ2vN8p0=Ty5aH3xkN4bW7gF+u1ZC9xw@mail.gmail.com>"
    assert (parsed.from_name, parsed.from_email) == ("Lena Hoffmann", "lena.hoffmann@gmail.com")
    assert parsed.subject == "Wrong size delivered"
    assert parsed.text == (
        "Hello,\n\nmy order MPTEST2345 arrived today, but the linen shirt is size L instead of M.\n"
        "Can I exchange it?\n\nThanks,\nLena"
    )
    assert parsed.is_auto is False
    assert parsed.language == "en"


def test_gmail_reply_keeps_the_new_text_and_the_whole_original():
    parsed = email_parse(eml("gmail_reply.eml"))

    assert parsed.reply_text == "Great, I'll send it back tomorrow. Do I need to include the invoice?\n\nLena"
    assert "> sorry about that! Please send the shirt back" in parsed.text
    assert parsed.in_reply_to == [OUR_REPLY_ID]
    assert parsed.thread_message_ids == [
        OUR_REPLY_ID,
        "<CAKx9fQ2vN8p0=Ty5aH3xkN4bW7gF+u1ZC9xw@mail.gmail.com>",
    ]


def test_outlook_reply_is_trimmed_at_the_from_sent_block():
    parsed = email_parse(eml("outlook_reply.eml"))

    assert parsed.reply_text == (
        "Hi,\n\nthe parcel has not arrived yet. Tracking says it is still in Shanghai – could you check "
        "with the carrier?\n\nKind regards\nMark Thompson"
    )
    assert "your parcel left our warehouse on Monday." in parsed.text


def test_outlook_original_message_separator_is_trimmed():
    parsed = email_parse(eml("outlook_original_message.eml"))

    assert (
        parsed.reply_text
        == 'Thank you. Please put "Contoso Trading Ltd." on the invoice.\n\nBest regards,\nWei'
    )
    assert parsed.from_name == "Zhang, Wei"


def test_apple_mail_quote_is_trimmed_and_plus_address_is_seen():
    parsed = email_parse(eml("apple_mail_reply.eml"))

    assert parsed.reply_text == "Yes, the blue one please.\n\nSent from my iPhone"
    assert f"support+{TOKEN}@shop.test" in parsed.recipient_addresses


def test_foxmail_gbk_reply_is_decoded_and_trimmed_at_the_original_mail_separator():
    parsed = email_parse(eml("foxmail_reply_gbk.eml"))

    assert parsed.from_name == "王晓明"
    assert parsed.subject == "回复：[T-98765] Re: 尺码不对"
    assert parsed.reply_text == (
        "您好，\n\n我已经把衣服寄回去了，快递单号是 SF1234567890。请尽快帮我换成M码。\n\n谢谢！\n王晓明"
    )
    assert "------------------ 原始邮件 ------------------" in parsed.text
    assert parsed.language == "zh-hans"


def test_gb2312_declared_mail_with_gbk_only_characters_comes_out_right():
    parsed = email_parse(eml("gb2312_with_gbk_chars.eml"))

    assert parsed.from_name == "朱镕喆"
    assert parsed.subject == "咨询发货时间（镕喆）"
    assert "我是朱镕喆" in parsed.text
    assert "收件人王堃、李玥" in parsed.text
    assert "\ufffd" not in parsed.text
    assert [attachment.filename for attachment in parsed.attachments] == ["付款截图_镕喆.png"]


def test_html_only_mail_gets_a_text_version_and_sanitised_html():
    parsed = email_parse(eml("html_only.eml"))

    assert parsed.text == (
        "Hello,\n\ncan you gift\u2011wrap order MPTEST2345 & add a card saying "
        '"Joyeux anniversaire, Renée\xa0!"?\n\n- Red paper\n- Gold ribbon\n\n'
        "See this photo (https://example.org/wrap)."
    ).replace("\xa0", " ")
    assert "<script" not in parsed.html
    assert "alert" not in parsed.html
    assert "onclick" not in parsed.html
    assert "<style" not in parsed.html
    assert (
        '<a href="https://example.org/wrap" rel="noopener noreferrer nofollow">this photo</a>' in parsed.html
    )


def test_attachments_are_kept_within_limits_and_the_rest_is_noted():
    parsed = email_parse(eml("attachments.eml"))

    kept = [(a.filename, a.content_type, a.content_id, a.is_inline) for a in parsed.attachments]
    assert kept == [
        ("box.png", "image/png", "box-photo@example.com", True),
        ("delivery note №1.pdf", "application/pdf", "", False),
    ]
    assert parsed.attachments[1].data.startswith(b"%PDF-1.4")
    assert parsed.dropped_attachments == ["invoice.exe: type not allowed"]


def test_oversized_attachments_are_dropped_and_noted(settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 100

    parsed = email_parse(eml("attachments.eml"))

    assert [attachment.filename for attachment in parsed.attachments] == ["box.png"]
    assert parsed.dropped_attachments == [
        "delivery note №1.pdf: too large (125 bytes, limit 100)",
        "invoice.exe: type not allowed",
    ]


@pytest.mark.parametrize(
    ("name", "is_bounce", "reason"),
    [
        ("auto_reply_out_of_office.eml", False, "Auto-Submitted: auto-replied"),
        ("auto_reply_exchange.eml", False, "X-Auto-Response-Suppress: All"),
        ("newsletter_bulk.eml", False, "Precedence: bulk"),
        ("bounce_dsn.eml", True, "Content-Type: multipart/report"),
    ],
)
def test_automatic_mail_and_bounces_are_recognised(name, is_bounce, reason):
    parsed = email_parse(eml(name))

    assert parsed.is_auto is True
    assert parsed.is_bounce is is_bounce
    assert parsed.flag_reason == reason


def test_a_bounce_names_the_message_of_ours_that_bounced():
    parsed = email_parse(eml("bounce_dsn.eml"))

    assert parsed.bounced_message_ids == [OUR_REPLY_ID]
    assert parsed.thread_message_ids[0] == OUR_REPLY_ID


def test_mail_from_our_own_address_counts_as_automatic():
    raw = b"From: Maple & Pine <support@shop.test>\r\nTo: support@shop.test\r\nSubject: hi\r\n\r\nLoop?\r\n"

    parsed = email_parse(raw)

    assert parsed.is_auto is True
    assert parsed.is_bounce is False


def test_empty_return_path_and_mailer_daemon_are_bounces():
    empty_path = email_parse(b"Return-Path: <>\r\nFrom: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
    daemon = email_parse(b"From: MAILER-DAEMON@mx.example.com\r\nSubject: failure\r\n\r\nbody\r\n")

    assert (empty_path.is_bounce, daemon.is_bounce) == (True, True)


def test_auto_submitted_no_is_a_person():
    parsed = email_parse(b"From: a@example.com\r\nAuto-Submitted: no\r\nSubject: x\r\n\r\nbody\r\n")

    assert parsed.is_auto is False


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n\r\n",
        b"this is not an email message\r\n\r\njust text\r\n",
        b"Subject: no sender\r\n\r\nbody\r\n",
        b"From: not an address\r\nSubject: x\r\n\r\nbody\r\n",
    ],
)
def test_malformed_messages_are_refused_with_a_reason(raw):
    with pytest.raises(MalformedEmail) as error:
        email_parse(raw)

    assert str(error.value)


def test_malformed_sample_is_refused():
    with pytest.raises(MalformedEmail, match="no headers"):
        email_parse(eml("malformed_no_headers.eml"))


def test_message_without_message_id_gets_a_stable_one_from_its_bytes():
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"

    first, second = email_parse(raw), email_parse(raw)

    assert first.message_id == second.message_id
    assert first.message_id.endswith("@no-message-id.invalid>")


def test_header_decode_joins_multibyte_characters_split_across_encoded_words():
    data = "尺码不对".encode("gbk")
    words = [base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()]

    decoded = header_decode(f"=?gb2312?B?{words[0]}?= =?gb2312?B?{words[1]}?=")

    assert decoded == "尺码不对"


def test_header_decode_reads_raw_eight_bit_utf8_headers():
    raw = "Subject: 订单问题\r\nFrom: a@example.com\r\n\r\nbody\r\n".encode()

    parsed = email_parse(raw)

    assert parsed.subject == "订单问题"


def test_text_decode_falls_back_when_the_declared_charset_is_wrong():
    assert text_decode("发货".encode("gbk"), "utf-8") == "发货"
    assert text_decode("naïve".encode(), "no-such-charset") == "naïve"


def test_quoted_reply_strip_keeps_a_message_that_is_all_quote():
    text = "> only a quote\n> nothing new"

    assert quoted_reply_strip(text) == text


def test_chinese_gmail_attribution_is_trimmed():
    text = "好的，谢谢。\n\n王小明 <wang@example.com> 于2025年3月7日周五 10:20写道：\n> 您好"

    assert quoted_reply_strip(text) == "好的，谢谢。"


def test_html_to_text_turns_blockquotes_into_quoted_lines():
    assert html_to_text("<p>Yes</p><blockquote>old<br>text</blockquote>") == "Yes\n\n> old\n> text"


def test_subject_clean_drops_reply_prefixes_and_our_reference():
    assert subject_clean("回复：[T-98765] Re: RE: 尺码不对") == "尺码不对"
    assert subject_clean("Fwd: Invoice") == "Invoice"
