"""Wishlist emails: one per customer per run when saved products come back in stock or get cheaper."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import UserFactory
from tests.helpers import LocalSmtpServer, run_tasks, run_together
from tests.wishlists.helpers import tea, variant_set
from wishlists.emails import wishlist_unsubscribe_token
from wishlists.models import WishlistItem, WishlistNotice
from wishlists.notices import wishlist_notices_create
from wishlists.services import wishlist_item_add, wishlist_item_notify_set


def _wish(user, product, *, notify: bool = True, language: str = "en") -> WishlistItem:
    wishlist_item_add(user=user, product_id=product.pk, category_ids=[product.category_id], language=language)
    if notify:
        wishlist_item_notify_set(user=user, product_id=product.pk, notify=True, language=language)
    return WishlistItem.objects.get(user=user, product=product)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _send(settings) -> list:
    with LocalSmtpServer() as server:
        server.use_in(settings)
        call_command("send_wishlist_notices")
        run_tasks()
    return server.messages


@pytest.mark.django_db(transaction=True)
def test_a_product_back_in_stock_is_emailed_once(settings):
    settings.SITE_URL = "https://shop.example"
    user = UserFactory(email="ann@example.com")
    product = tea(name="Silver Needle", stock=0)
    _wish(user, product)

    variant_set(product, stock=4)
    first = _send(settings)
    second = _send(settings)

    assert [message["To"] for message in first] == ["ann@example.com"]
    assert first[0]["Subject"] == "Back in stock: Silver Needle"
    body = _text(first[0])
    assert "- Silver Needle\n  Back in stock, ¥88.00\n" in body
    assert f"https://shop.example{product.get_absolute_url()}" in body
    assert first[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert second == []
    assert WishlistNotice.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_price_drop_is_emailed_with_the_old_price_and_a_rise_is_not(settings):
    user = UserFactory()
    product = tea(name="Silver Needle", price="88.00")
    _wish(user, product)

    variant_set(product, price="99.00")
    after_rise = _send(settings)
    variant_set(product, price="90.00")
    after_smaller_than_rise = _send(settings)
    variant_set(product, price="66.00")
    after_drop = _send(settings)

    assert after_rise == []
    assert after_smaller_than_rise == []
    assert after_drop[0]["Subject"] == "Now cheaper: Silver Needle"
    assert "Now ¥66.00 (was ¥88.00)" in _text(after_drop[0])
    assert WishlistItem.objects.get().seen_price == Decimal("66.00")


@pytest.mark.django_db(transaction=True)
def test_one_email_lists_every_change_of_a_customer_in_their_language(settings):
    user = UserFactory()
    back, cheaper, unchanged = (
        tea(name="白毫银针", stock=0),
        tea(name="龙井", price="50.00"),
        tea(name="普洱"),
    )
    for product in (back, cheaper, unchanged):
        _wish(user, product, language="zh-hans")

    variant_set(back, stock=3)
    variant_set(cheaper, price="40.00")
    messages = _send(settings)

    assert len(messages) == 1
    assert messages[0]["Subject"] == "您心愿单上有 2 件商品的新消息"
    body = _text(messages[0])
    assert "- 白毫银针\n  已到货，¥88.00\n" in body  # noqa: RUF001
    assert "- 龙井\n  现价 ¥40.00（原价 ¥50.00）\n" in body  # noqa: RUF001
    assert "普洱" not in body


@pytest.mark.django_db(transaction=True)
def test_nothing_is_emailed_without_asking_or_while_sold_out(settings):
    user = UserFactory()
    quiet = tea(name="Quiet", stock=0)
    _wish(user, quiet, notify=False)
    sold_out_cheaper = tea(name="Sold out", price="88.00", stock=0)
    _wish(user, sold_out_cheaper)

    variant_set(quiet, stock=5)
    variant_set(sold_out_cheaper, price="70.00")
    while_sold_out = _send(settings)
    variant_set(sold_out_cheaper, stock=2)
    once_back = _send(settings)

    assert while_sold_out == []
    assert len(once_back) == 1
    body = _text(once_back[0])
    assert "- Sold out\n  Back in stock, now ¥70.00 (was ¥88.00)\n" in body
    assert "Quiet" not in body


@pytest.mark.django_db(transaction=True)
def test_selling_out_and_returning_is_told_again(settings):
    user = UserFactory()
    product = tea(stock=0)
    _wish(user, product)

    variant_set(product, stock=1)
    first = _send(settings)
    variant_set(product, stock=0)
    _send(settings)
    variant_set(product, stock=1)
    again = _send(settings)

    assert len(first) == 1
    assert len(again) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_queue_each_email_once():
    users = [UserFactory() for _ in range(5)]
    product = tea(stock=0)
    for user in users:
        _wish(user, product)
    variant_set(product, stock=9)

    runs = run_together(wishlist_notices_create, wishlist_notices_create)

    assert sorted(run.notices for run in runs) == [0, 5]
    assert WishlistNotice.objects.count() == 5
    assert DBTaskResult.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_stop_link_switches_every_email_off_on_post(client):
    user = UserFactory()
    for product in (tea(name="A"), tea(name="B")):
        _wish(user, product)
    url = reverse("wishlists:unsubscribe", kwargs={"token": wishlist_unsubscribe_token(user_id=user.pk)})

    shown = client.get(url)
    still_on = WishlistItem.objects.filter(notify=True).count()
    done = client.post(url)

    assert shown.status_code == 200
    assert still_on == 2
    assert done.status_code == 200
    assert "we will not email you about your wishlist any more" in done.content.decode()
    assert WishlistItem.objects.filter(notify=True).count() == 0


@pytest.mark.django_db
def test_a_forged_stop_link_is_a_404(client):
    response = client.post(reverse("wishlists:unsubscribe", kwargs={"token": "1:forged"}))

    assert response.status_code == 404
    assert "This unsubscribe link is not valid" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failed_smtp_connection_is_retried_and_the_notice_kept(settings):
    user = UserFactory()
    product = tea(stock=0)
    _wish(user, product)
    variant_set(product, stock=1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    call_command("send_wishlist_notices")
    run_tasks()

    notice = WishlistNotice.objects.get()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert "Connection refused" in notice.last_error or "Errno" in notice.last_error
    assert DBTaskResult.objects.filter(status="READY").count() == 1
