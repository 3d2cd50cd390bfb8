"""Fixtures of the security tests: a small shop with one of everything."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tokens import email_change_token_make, email_verification_token_make
from aftersales.rules import RequestLine
from aftersales.services import after_sales_approve, after_sales_request_create
from orders.services import order_mark_paid, order_ship
from support.models import Attachment
from tests.factories import (
    CarrierFactory,
    CategoryFactory,
    CouponFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    PromotionFactory,
    ShippingMethodFactory,
    StaffUserFactory,
    TicketFactory,
    TicketMessageFactory,
    UserFactory,
    VariantFactory,
)


@dataclass
class World:
    customer: object
    staff: object
    category: object
    product: object
    variant: object
    order: object
    ticket: object
    message: object
    attachment: object
    shipped_order: object

    def seed_pages(self) -> dict[str, list[str]]:
        """Pages whose forms the walk submits, per role (admin pages are added from the registry)."""
        uid = urlsafe_base64_encode(force_bytes(self.customer.pk))
        reset_token = default_token_generator.make_token(self.customer)
        email_change_token = email_change_token_make(user=self.customer, new_email="new@example.com")
        storefront = [
            "/",
            "/products/",
            f"/products/{self.product.slug}/",
            f"/category/{self.category.slug}/",
            "/cart/",
            "/checkout/",
            "/support/",
        ]
        return {
            "anonymous": [
                *storefront,
                self.order.get_access_url(),
                self.shipped_order.get_access_url(),
                f"/orders/{self.shipped_order.number}/after-sales/new/?token={self.shipped_order.access_token}",
                "/account/login/",
                "/account/signup/",
                "/account/password/reset/",
                f"/account/password/reset/{uid}/{reset_token}/",
                f"/account/verify/{email_verification_token_make(user=self.customer)}/",
                f"/{settings.ADMIN_URL}login/",
            ],
            "customer": [
                *storefront,
                "/account/",
                "/account/details/",
                "/account/email/",
                f"/account/email/confirm/{email_change_token}/",
                "/account/password/",
                "/account/orders/",
                "/account/privacy/",
                "/account/privacy/delete/",
                "/account/two-factor/",
                self.order.get_absolute_url(),
                self.shipped_order.get_absolute_url(),
                f"/orders/{self.shipped_order.number}/after-sales/new/",
            ],
            "staff": [
                f"/{settings.ADMIN_URL}",
                f"/{settings.ADMIN_URL}password_change/",
                f"/{settings.ADMIN_URL}promotions/coupon/generate/",
            ],
        }


@pytest.fixture
def world(db) -> World:
    customer = UserFactory(email="customer@example.com")
    staff = StaffUserFactory(email="staff@example.com")
    category = CategoryFactory(name="Teapots", slug="teapots")
    product = ProductFactory(name="Clay teapot", slug="clay-teapot", category=category, is_featured=True)
    variant = VariantFactory(product=product, sku="TEA-1", stock=50)
    ShippingMethodFactory(code="standard", name="Standard")
    coupon = CouponFactory(code="WELCOME10", campaign="Spring", uses_total=10, uses_count=2)
    coupon.products.add(product)
    PromotionFactory(name="Holiday", tiers=[("200.00", "20.00"), ("500.00", "60.00")])
    order = OrderFactory(user=customer, email=customer.email)
    OrderLineFactory(order=order, variant=variant)
    ticket = TicketFactory(customer_email=customer.email, customer=customer, order=order)
    message = TicketMessageFactory(ticket=ticket, body_text="<script>xss_probe()</script> where is it?")
    attachment = Attachment(message=message, filename="note.txt", content_type="text/plain", size=5)
    attachment.file.save("note.txt", ContentFile(b"hello"), save=True)
    shipped_order = _shipped_order_with_a_request(customer, staff, variant)
    return World(
        customer, staff, category, product, variant, order, ticket, message, attachment, shipped_order
    )


def _shipped_order_with_a_request(customer, staff, variant):
    """A delivered order with an approved return: its page shows the after-sales forms."""
    order = OrderFactory(user=customer, email=customer.email)
    line = OrderLineFactory(order=order, variant=variant, quantity=2)
    order_mark_paid(order=order)
    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")
    order.refresh_from_db()
    request = after_sales_request_create(
        order=order,
        kind="return",
        reason="changed_mind",
        lines=[RequestLine(order_line_id=line.pk, quantity=1)],
    )
    after_sales_approve(request=request, actor=staff, return_address="1 Shop Road")
    return order
