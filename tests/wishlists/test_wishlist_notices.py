"""Wishlist emails: one per customer per run when saved products come back in stock or get cheaper."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.privacy import account_delete
from catalog.models import Category, Variant
from shop.models import User
from tests.factories import ProductFactory, UserFactory, VariantFactory
from tests.helpers import LocalSmtpServer, run_tasks, run_together
from tests.wishlists.helpers import tea, variant_set
from wishlists.emails import wishlist_unsubscribe_token
from wishlists.models import WishlistItem, WishlistNotice
from wishlists.notices import wishlist_notices_create
from wishlists.services import wishlist_item_add, wishlist_item_notify_set, wishlist_item_remove


def _customer(**fields):
    """A customer whose address is verified: only such addresses get wishlist emails."""
    return UserFactory(email_verified_at=timezone.now(), **fields)


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
    user = _customer(email="ann@example.com")
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
    user = _customer()
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
    user = _customer()
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
    assert "- 龙井\n  现价 ¥40.00（此前 ¥50.00）\n" in body  # noqa: RUF001
    assert "普洱" not in body


@pytest.mark.django_db(transaction=True)
def test_nothing_is_emailed_without_asking_or_while_sold_out(settings):
    user = _customer()
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
    user = _customer()
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
    users = [_customer() for _ in range(5)]
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
    user = _customer()
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
    user = _customer()
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


@pytest.mark.django_db(transaction=True)
def test_an_email_queued_before_the_customer_stopped_them_is_not_sent(settings, client):
    user = _customer()
    product = tea(stock=0)
    _wish(user, product)
    variant_set(product, stock=3)
    call_command("send_wishlist_notices")
    token = wishlist_unsubscribe_token(user_id=user.pk)

    client.post(reverse("wishlists:unsubscribe", kwargs={"token": token}))
    with LocalSmtpServer() as server:
        server.use_in(settings)
        run_tasks()

    assert server.messages == []
    assert WishlistNotice.objects.get().sent_at is None


@pytest.mark.django_db(transaction=True)
def test_a_product_removed_after_its_email_was_queued_is_left_out_of_it(settings):
    user = _customer()
    kept, removed = tea(name="Kept", stock=0), tea(name="Removed", stock=0)
    _wish(user, kept)
    _wish(user, removed)
    variant_set(kept, stock=1)
    variant_set(removed, stock=1)
    call_command("send_wishlist_notices")

    wishlist_item_remove(user=user, product_id=removed.pk)
    with LocalSmtpServer() as server:
        server.use_in(settings)
        run_tasks()

    assert [message["Subject"] for message in server.messages] == ["Back in stock: Kept"]


@pytest.mark.django_db(transaction=True)
def test_only_in_stock_options_count_for_the_price_told(settings):
    user = _customer()
    product = ProductFactory(name="Pu-erh")
    cheap = VariantFactory(product=product, price=Decimal("50.00"), stock=0)
    VariantFactory(product=product, price=Decimal("90.00"), stock=0)
    VariantFactory(product=product, price=Decimal("120.00"), stock=0)
    _wish(user, product)

    cheap.sale_price = Decimal("30.00")
    cheap.save()
    nothing_to_buy = _send(settings)
    Variant.objects.filter(product=product, price__gte=Decimal("90.00")).update(stock=4)
    Variant.objects.get(price=Decimal("90.00")).save()
    back = _send(settings)

    assert nothing_to_buy == []
    assert "- Pu-erh\n  Back in stock, from ¥90.00\n" in _text(back[0])
    # What "cheaper" is measured against stays the lowest price the customer saw: ¥50 when saved.
    assert WishlistItem.objects.get().seen_price == Decimal("50.00")


@pytest.mark.django_db(transaction=True)
def test_unverified_inactive_and_hidden_are_not_emailed(settings):
    unverified = UserFactory(email_verified_at=None)
    inactive = _customer()
    customer = _customer()
    product = tea(name="Shown", stock=0)
    hidden = tea(name="Hidden", stock=0)
    for user in (unverified, inactive, customer):
        _wish(user, product)
    _wish(customer, hidden)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    Category.objects.filter(pk=hidden.category_id).update(is_active=False)

    variant_set(product, stock=2)
    variant_set(hidden, stock=2)
    messages = _send(settings)

    assert [message["To"] for message in messages] == [customer.email]
    assert "Hidden" not in _text(messages[0])


@pytest.mark.django_db(transaction=True)
def test_switching_emails_on_tells_only_later_changes(settings):
    user = _customer()
    product = tea(price="88.00", stock=0)
    _wish(user, product, notify=False)
    variant_set(product, price="70.00", stock=5)

    wishlist_item_notify_set(user=user, product_id=product.pk, notify=True, language="en")
    nothing_yet = _send(settings)
    variant_set(product, price="60.00")
    later = _send(settings)

    assert nothing_yet == []
    assert "Now ¥60.00 (was ¥70.00)" in _text(later[0])


@pytest.mark.django_db(transaction=True)
def test_erasing_an_account_while_the_job_runs_leaves_no_email_and_no_deadlock(settings):
    customers = [_customer() for _ in range(6)]
    product = tea(stock=0)
    for user in customers:
        _wish(user, product)
    variant_set(product, stock=9)
    doomed = customers[3]

    def erase():
        account_delete(user=User.objects.get(pk=doomed.pk))

    run_together(wishlist_notices_create, erase)

    assert not User.objects.filter(pk=doomed.pk).exists()
    assert not WishlistNotice.objects.filter(user_id=doomed.pk).exists()
    assert WishlistNotice.objects.count() == 5
