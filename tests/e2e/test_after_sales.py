"""After-sales in a real browser: a guest returns one of two items without a reason and is refunded.

The guest pays with Alipay (the local stand-in, tests/payments/alipay/standin/), staff ship the order
in the admin, the guest confirms receipt, asks for a no-reason return of one line with a photo, staff
approve it, the guest enters the return parcel's tracking number, staff receive it (back in stock)
and refund it through the stand-in's refund API, and the guest's order page says "Refunded".
"""

import re
from binascii import unhexlify
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import expect

from aftersales.models import AfterSalesRequest
from catalog.models import Variant
from orders.models import Order, OutboundEmail
from payments.models import Refund
from payments.services import payment_refund
from tests.e2e.helpers import checkout_as_guest
from tests.factories import (
    CarrierFactory,
    CouponFactory,
    ProductFactory,
    ShippingMethodFactory,
    UserFactory,
    VariantFactory,
)
from tests.helpers import run_tasks
from tests.orders.helpers import standard_shipping
from tests.payments.conftest import fake_gateway  # noqa: F401 (a fixture)
from tests.payments.core.fake_gateway import NOTIFY_URL, notification
from tests.payments.helpers import online_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
STAFF_PASSWORD = "correct-horse-battery"  # UserFactory's password
RETURN_ADDRESS = "Maple & Pine Returns\n8 Warehouse Lane, Hangzhou"
# What an order manager holds (shop/ and aftersales/ migrations): orders, refunds and the queue.
ORDER_MANAGER_PERMISSIONS = [
    ("orders", "view_order"),
    ("orders", "change_order"),
    ("orders", "refund_order"),
    ("orders", "view_orderline"),
    ("orders", "view_orderevent"),
    *(
        ("aftersales", f"{action}_{model}")
        for model in ("aftersalesrequest", "aftersalesline", "aftersalesphoto", "aftersalesevent")
        for action in ("view", "change")
    ),
]


@pytest.fixture
def shop(settings):
    """Tea (¥68) and a cup (¥120), a 10% coupon, ¥12 shipping, a carrier and a return address."""
    settings.AFTER_SALES_RETURN_ADDRESS = RETURN_ADDRESS
    settings.AFTER_SALES_RETURN_INSTRUCTIONS = "Put the order number in the parcel."
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"), free_above=None)
    CarrierFactory()
    CouponFactory(code="TEA10", value=Decimal("10.00"))
    tea = VariantFactory(
        product=ProductFactory(name="Dragon Well Green Tea", slug="dragon-well-as"),
        sku="TEA-DW-AS",
        price=Decimal("68.00"),
        stock=10,
    )
    cup = VariantFactory(
        product=ProductFactory(name="Celadon Tea Cup", slug="celadon-cup-as"),
        sku="CUP-CEL-AS",
        price=Decimal("120.00"),
        stock=10,
    )
    return tea, cup


def _order_manager():
    """A staff member (not a superuser) in the order managers' group, with an authenticator app."""
    group, _created = Group.objects.get_or_create(name="Order managers")
    wanted = Q(pk__in=[])
    for app_label, codename in ORDER_MANAGER_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    staff = UserFactory(email="returns@example.com", is_staff=True)
    staff.groups.add(group)
    device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    return staff, device


def _staff_sign_in(page, staff, device) -> None:
    """Through the admin login page, then the code from the authenticator app."""
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/two-factor/verify/"))
    page.locator("#id_code").fill(f"{totp(unhexlify(device.key)):06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".shop-dashboard")).to_be_visible()


def _photo(path) -> str:
    """A real small PNG, as a phone's picture of the parcel would be (only smaller)."""
    Image.new("RGB", (32, 24), (120, 160, 90)).save(path, format="PNG")
    return str(path)


def _admin_message(page):
    return page.locator(".messagelist")


def test_a_guest_returns_one_of_two_items_and_is_refunded_through_alipay(
    browser, page, live_server, alipay, shop, tmp_path
):
    tea, cup = shop

    # 1. A guest buys the tea and the cup with a 10% coupon and pays with Alipay.
    for product in (tea.product, cup.product):
        page.goto(f"/products/{product.slug}/")
        page.get_by_role("button", name="Add to cart").click()
    page.goto("/cart/")
    page.get_by_label("Coupon code").fill("TEA10")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("TEA10")
    page.goto("/checkout/")
    checkout_as_guest(page, payment_method="Alipay", email="mei@example.com", full_name="Wang Mei")
    # ¥188 of goods, ¥18.80 off, ¥12 shipping.
    expect(page.locator("#amount")).to_have_text("¥181.20")
    page.get_by_role("button", name="Pay").click()
    order = Order.objects.get()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/\?token=.+&payment=returned"))
    order.refresh_from_db()
    payment = order.payments.get()
    assert (order.payment_status, payment.amount) == ("paid", Decimal("181.20"))
    cup_line = order.lines.get(sku="CUP-CEL-AS")
    stock_after_sale = Variant.objects.get(pk=cup.pk).stock
    assert stock_after_sale == 9
    order_link = f"{order.get_absolute_url()}?token={order.access_token}"

    # 2. Staff (an order manager, signed in in their own browser) ship the order with its tracking number.
    staff, device = _order_manager()
    staff_context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    admin = staff_context.new_page()
    admin.set_default_timeout(15_000)
    _staff_sign_in(admin, staff, device)
    admin.goto(f"/admin/orders/order/{order.pk}/change/")
    admin.get_by_label("Carrier").select_option(label="SF Express")
    admin.get_by_label("Tracking number").fill("SF1234567890")
    admin.get_by_role("button", name="Ship", exact=True).click()
    expect(_admin_message(admin)).to_contain_text("tracking number SF1234567890")

    # The guest's parcel arrives; they confirm receipt on the order page.
    page.goto(order_link)
    page.get_by_role("button", name="Confirm receipt").click()
    expect(page.locator(".received")).to_be_visible()

    # 3. The guest asks for a no-reason return of the cup only.
    page.get_by_role("link", name="Request a return, refund or exchange").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Return, refund or exchange")
    page.locator(f"#id_quantity_{cup_line.pk}").fill("1")
    page.get_by_label("Return for a refund").check()
    page.locator("#id_reason").select_option(label="No longer wanted (no reason needed)")
    page.get_by_label("Tell us more (optional)").fill("The colour is darker than I hoped.")
    page.get_by_role("button", name="Review").click()

    # The review says what comes back: what the cup cost after its share of the coupon, no shipping.
    review = page.locator(".after-sales-review")
    expect(review.locator(".after-sales-lines")).to_contain_text("Celadon Tea Cup \N{MULTIPLICATION SIGN} 1")
    expect(review.locator(".after-sales-lines")).not_to_contain_text("Dragon Well")
    expect(review.locator(".after-sales-total")).to_contain_text("You would get back ¥108.00")
    page.locator("#id_photos").set_input_files(_photo(tmp_path / "cup.png"))
    page.get_by_role("button", name="Send request").click()

    request = AfterSalesRequest.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"Your request {request.number} is sent.")
    section = page.locator(f"article:has(#request-{request.number})")
    expect(section.locator(".after-sales-status")).to_have_text("Waiting for review")
    expect(section.get_by_role("img", name="Photo cup.png")).to_be_visible()
    assert (request.kind, request.reason, request.photos.count()) == ("return", "changed_mind", 1)

    # 4. Staff open it from the after-sales queue and approve it; the return address is filled in.
    admin.goto("/admin/aftersales/aftersalesrequest/")
    admin.get_by_role("link", name=re.compile(request.number)).click()
    expect(admin.locator(".order-panel")).to_contain_text("Waiting for review")
    admin.get_by_role("link", name="Approve…").click()
    expect(admin.get_by_label("Return address")).to_have_value(RETURN_ADDRESS)
    admin.get_by_role("button", name="Approve").click()
    expect(_admin_message(admin)).to_contain_text(f"Request {request.number} is approved")

    # 5. The guest sees where to send it and enters the parcel's carrier and tracking number.
    page.goto(order_link)
    expect(section.locator(".after-sales-status")).to_have_text("Approved")
    expect(section.locator(".after-sales-address")).to_contain_text("8 Warehouse Lane, Hangzhou")
    section.get_by_label("Carrier").fill("YTO Express")
    section.get_by_label("Tracking number").fill("YT9876543210")
    section.get_by_role("button", name="Save the tracking number").click()
    expect(page.locator(".messages")).to_contain_text("We will let you know when your parcel arrives.")
    expect(section.locator(".after-sales-status")).to_have_text("On its way back")
    expect(section.locator(".tracking-number")).to_have_text("YTO Express YT9876543210")

    # 6. Staff mark it received, putting the cup back in stock, then refund it through Alipay.
    admin.reload()
    expect(admin.locator(".order-panel")).to_contain_text("On its way back")
    admin.get_by_role("link", name="Mark received…").click()
    admin.get_by_label("Back in stock: Celadon Tea Cup (CUP-CEL-AS)").fill("1")
    admin.get_by_role("button", name="Mark received").click()
    expect(_admin_message(admin)).to_contain_text(f"The goods of request {request.number} are received")
    admin.get_by_role("link", name="Refund…").click()
    expect(admin.locator(".after-sales-quote tfoot")).to_contain_text("¥108.00")
    admin.get_by_role("button", name="Refund").click()
    expect(_admin_message(admin)).to_contain_text(f"Request {request.number}: ¥108.00 refunded.")
    staff_context.close()

    # The stand-in took the refund: what the cup cost after the coupon, nothing more.
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", Decimal("108.00"))
    assert alipay.trades[payment.reference].refunds == {refund.reference: Decimal("108.00")}
    [(_method, biz)] = [call for call in alipay.api_calls if call[0] == "alipay.trade.refund"]
    assert (biz["out_trade_no"], biz["refund_amount"]) == (payment.reference, "108.00")
    # Alipay's refund notification comes afterwards and changes nothing more.
    [refund_notification] = alipay.outbox
    assert alipay.deliver(refund_notification) == (200, "success")
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("108.00")

    # 7. The guest's order page shows the request refunded with the amount.
    page.goto(order_link)
    expect(section.locator(".after-sales-status")).to_have_text("Refunded")
    expect(section).to_contain_text("We refunded ¥108.00.")

    # One email per step, the refund's when the gateway confirmed it, sent by the worker.
    run_tasks()
    emails = OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.AFTER_SALES).order_by("id")
    assert [email.detail["status"] for email in emails] == [
        "requested",
        "approved",
        "returning",
        "received",
        "refunded",
    ]
    assert {email.status for email in emails} == {OutboundEmail.Status.SENT}
    assert {email.to_email for email in emails} == {"mei@example.com"}

    # The cup is back in stock; the order stays paid for the tea, the partial refund in its history.
    assert Variant.objects.get(pk=cup.pk).stock == stock_after_sale + 1
    request.refresh_from_db()
    assert (request.status, request.refund_amount, request.refund_shipping) == (
        "refunded",
        Decimal("108.00"),
        Decimal("0.00"),
    )
    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert order.events.filter(kind="refunded", to_state="paid", note__contains="¥108.00").exists()

    # The same section in Chinese, for a guest whose browser asks for it.
    chinese = browser.new_context(base_url=live_server.url, locale="zh-CN")
    chinese_page = chinese.new_page()
    chinese_page.goto(order_link)
    chinese_section = chinese_page.locator(f"article:has(#request-{request.number})")
    expect(chinese_page.locator("#after-sales-heading")).to_have_text("退货、退款和换货")
    expect(chinese_section.locator(".after-sales-status")).to_have_text("已退款")
    expect(chinese_section).to_contain_text("我们已退款 ¥108.00。")
    chinese.close()


@pytest.mark.usefixtures("fake_gateway")
@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_order_page_of_a_partly_refunded_online_payment_fits_a_phone(
    browser, live_server, client, language
):
    # A guest's order paid online (¥100.00), part of it refunded, as after a return of one item.
    variant = VariantFactory(product=ProductFactory(name="Tea Set"), price=Decimal("88.00"), stock=10)
    order, payment, _response = online_order(
        client, variant=variant, shipping=standard_shipping(), method="fakepay"
    )
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    payment_refund(payment=payment, amount=Decimal("88.00"), reason="Returned")
    context = browser.new_context(base_url=live_server.url, locale=language, viewport=PHONE, is_mobile=True)
    page = context.new_page()

    page.goto(f"{order.get_absolute_url()}?token={order.access_token}")

    # Each payment attempt reads as a short list on a phone: the amount refunded beside its name.
    refunded = page.locator(".payments td").filter(has_text="¥88.00")
    expect(refunded).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    label = refunded.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == {"en-US": '"Refunded"', "zh-CN": '"已退款"'}[language]
    context.close()
