"""Helpers of the promotions admin tests: staff with chosen permissions, and form posts."""

from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import UserFactory

COUPONS = reverse("admin:promotions_coupon_changelist")
COUPON_ADD = reverse("admin:promotions_coupon_add")
GENERATE = reverse("admin:promotions_coupon_generate")
GENERATE_DONE = reverse("admin:promotions_coupon_generate_done")
GENERATE_DOWNLOAD = reverse("admin:promotions_coupon_generate_download")
PROMOTIONS = reverse("admin:promotions_promotion_changelist")
PROMOTION_ADD = reverse("admin:promotions_promotion_add")


def staff_with(*codenames: str):
    """A staff user (not a superuser) holding only these promotions permissions."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="promotions", codename__in=codenames)
    )
    return user


def coupon_change_url(coupon) -> str:
    return reverse("admin:promotions_coupon_change", args=[coupon.pk])


def coupon_post(**fields) -> dict:
    """The coupon form as a browser posts it: a 10% coupon, changed by ``fields``."""
    return {
        "code": "SAVE10",
        "campaign": "",
        "is_active": "on",
        "kind": "percentage",
        "value": "10",
        "max_discount": "",
        "min_spend": "",
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "uses_total": "",
        "uses_per_customer": "",
        **fields,
    }


def generate_post(**fields) -> dict:
    """The generate-codes form as a browser posts it: 5 single-use 10% codes, changed by ``fields``."""
    return {
        "campaign": "Newsletter",
        "count": "5",
        "prefix": "",
        "length": "8",
        "kind": "percentage",
        "value": "10",
        "max_discount": "",
        "min_spend": "",
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "uses_total": "1",
        "uses_per_customer": "",
        **fields,
    }


def promotion_post(*tiers: tuple[str, str], initial: int = 0, **fields) -> dict:
    """The promotion form with its tier rows, spend and save unless ``fields`` say otherwise."""
    data = {
        "name": "Holiday 满减",
        "kind": "spend_and_save",
        "percent": "",
        "is_active": "on",
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": str(initial),
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (threshold, amount) in enumerate(tiers):
        data[f"tiers-{index}-threshold"] = threshold
        data[f"tiers-{index}-amount"] = amount
    return data
