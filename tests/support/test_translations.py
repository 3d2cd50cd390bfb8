"""Support speaks Simplified Chinese too: the fragment is complete and used by pages and mail."""

import pytest

from support.models import Message
from support.services import ticket_ingest_email
from tests.support.helpers import eml


@pytest.mark.django_db
def test_chinese_mail_is_acknowledged_in_chinese():
    ticket = ticket_ingest_email(raw=eml("gb2312_with_gbk_chars.eml")).ticket

    acknowledgement = ticket.messages.get(direction=Message.Direction.OUTBOUND)
    assert acknowledgement.subject == f"[{ticket.reference}] 我们已收到您的请求"
    # The greeting names no one: the acknowledgement repeats nothing the sender typed.
    assert acknowledgement.body_text.startswith("您好：")  # noqa: RUF001


@pytest.mark.django_db
def test_the_contact_page_in_chinese(client):
    response = client.get("/support/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = response.content.decode()
    assert "联系我们" in html
    assert "发送留言" in html
