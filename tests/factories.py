"""factory_boy factories: each builds a valid minimal object; a test sets only what it asserts on."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import Category, Product, Variant
from promotions.models import Coupon, Promotion, PromotionTier


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    category = factory.SubFactory(CategoryFactory)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("19.99")
    stock = 10


# Orders: shipping methods, orders and their lines.
import uuid  # noqa: E402

from django.utils import timezone  # noqa: E402

from orders.models import (  # noqa: E402
    Carrier,
    FapiaoRequest,
    Order,
    OrderLine,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
    access_token_generate,
    order_number_generate,
)
from shop.money import line_total  # noqa: E402


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Method {n}")
    code = factory.Sequence(lambda n: f"method-{n}")
    price = Decimal("12.00")


class ShippingZoneFactory(factory.django.DjangoModelFactory):
    """A zone of Guangdong (44) unless told otherwise."""

    class Meta:
        model = ShippingZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    provinces = factory.LazyFunction(lambda: ["44"])
    countries = factory.LazyFunction(list)


class ShippingRateFactory(factory.django.DjangoModelFactory):
    """A flat ¥10.00 rate."""

    class Meta:
        model = ShippingRate

    method = factory.SubFactory(ShippingMethodFactory)
    zone = factory.SubFactory(ShippingZoneFactory)
    kind = ShippingRate.Kind.FLAT
    price = Decimal("10.00")


class CarrierFactory(factory.django.DjangoModelFactory):
    """SF Express unless told otherwise; the seeded row when it is there (a flush removes it)."""

    class Meta:
        model = Carrier
        django_get_or_create = ("code",)

    code = "sf-express"
    name = "SF Express"
    name_zh = "顺丰速运"
    tracking_url_template = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}"


class OrderFactory(factory.django.DjangoModelFactory):
    """A placed, unpaid bank-transfer order without lines (add OrderLineFactory rows)."""

    class Meta:
        model = Order

    number = factory.LazyFunction(order_number_generate)
    checkout_token = factory.LazyFunction(uuid.uuid4)
    access_token = factory.LazyFunction(access_token_generate)
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    full_name = "Ann Lee"
    phone = "13800138000"
    province = "Zhejiang"
    city = "Hangzhou"
    address_line1 = "18 West Lake Road"
    shipping_method_name = "Standard"
    payment_method = "bank_transfer"
    subtotal = Decimal("19.99")
    shipping_total = Decimal("12.00")
    grand_total = Decimal("31.99")


class FapiaoRequestFactory(factory.django.DjangoModelFactory):
    """A personal fapiao requested for a new order."""

    class Meta:
        model = FapiaoRequest

    order = factory.SubFactory(OrderFactory)
    title = "Ann Lee"
    email = "ann@example.com"
    requested_at = factory.LazyFunction(timezone.now)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    product_name = factory.LazyAttribute(lambda line: line.variant.product.name)
    sku = factory.LazyAttribute(lambda line: line.variant.sku)
    unit_price = factory.LazyAttribute(lambda line: line.variant.price)
    quantity = 1
    line_total = factory.LazyAttribute(lambda line: line_total(line.unit_price, line.quantity))


# Support: tickets and the messages of their threads.
from support.models import Message as SupportMessage  # noqa: E402
from support.models import Ticket  # noqa: E402


class TicketFactory(factory.django.DjangoModelFactory):
    """An open ticket opened by email, with no messages (add TicketMessageFactory rows)."""

    class Meta:
        model = Ticket

    subject = "Question about my order"
    customer_email = factory.Sequence(lambda n: f"asker{n}@example.com")
    customer_name = "Lena Hoffmann"
    status = Ticket.Status.OPEN
    source = Ticket.Source.EMAIL


class TicketMessageFactory(factory.django.DjangoModelFactory):
    """A message from the ticket's customer."""

    class Meta:
        model = SupportMessage

    ticket = factory.SubFactory(TicketFactory)
    direction = SupportMessage.Direction.INBOUND
    message_id = factory.Sequence(lambda n: f"<message-{n}@example.com>")
    from_email = factory.LazyAttribute(lambda message: message.ticket.customer_email)
    subject = factory.LazyAttribute(lambda message: message.ticket.subject)
    body_text = "Hello, where is my parcel?"


def longjing_in_three_weights(**product_fields) -> dict:
    """West Lake Longjing in three weights: 50 g (plenty), 100 g (three left), 250 g (sold out).

    Returns the product and its variants as ``small``, ``medium`` and ``large``.
    """
    product = ProductFactory(**{"name": "West Lake Longjing", "slug": "longjing", **product_fields})
    return {
        "product": product,
        "small": VariantFactory(
            product=product, options={"Weight": "50 g"}, price=Decimal("349.00"), stock=40
        ),
        "medium": VariantFactory(
            product=product, options={"Weight": "100 g"}, price=Decimal("1298.00"), stock=3
        ),
        "large": VariantFactory(
            product=product, options={"Weight": "250 g"}, price=Decimal("1539.00"), stock=0
        ),
    }


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Coupon.Kind.PERCENTAGE
    value = Decimal("10.00")


class PromotionFactory(factory.django.DjangoModelFactory):
    """A spend-and-save promotion: give its tiers with ``tiers=[("200.00", "20.00"), ...]``."""

    class Meta:
        model = Promotion
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Promotion {n}")
    kind = Promotion.Kind.SPEND_AND_SAVE

    @factory.post_generation
    def tiers(self, create, extracted, **kwargs):
        for threshold, amount in extracted or ():
            PromotionTier.objects.create(promotion=self, threshold=Decimal(threshold), amount=Decimal(amount))
