import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.models import Carrier
from tests.factories import CarrierFactory, OrderFactory

pytestmark = pytest.mark.django_db

SEEDING = importlib.import_module("orders.migrations.0011_carriers")


def test_the_usual_carriers_are_seeded_with_https_tracking_addresses():
    seeded = dict(Carrier.objects.values_list("code", "tracking_url_template"))

    assert sorted(seeded) == sorted(
        ["sf-express", "jd-logistics", "zto", "yto", "sto", "yunda", "ems", "dhl", "ups", "fedex"]
    )
    for template in seeded.values():
        Carrier.tracking_url_template.field.run_validators(template)


def test_the_tracking_address_carries_the_number_quoted():
    carrier = CarrierFactory(code="test", tracking_url_template="https://track.example/?n={number}&x=1")

    url = carrier.tracking_url("SF1 2&a=<b>/#")

    assert url == "https://track.example/?n=SF1%202%26a%3D%3Cb%3E%2F%23&x=1"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("http://track.example/{number}", "The tracking address must start with https://."),
        ("javascript:alert(1)//{number}", "The tracking address must start with https://."),
        (
            "https://track.example/",
            "The tracking address must contain {number} where the tracking number goes.",
        ),
        (
            "https://track.example/{number}/{other}",
            "The tracking address may contain no braces other than {number}.",
        ),
        ("https://not a host/{number}", "Enter a valid URL."),
    ],
)
def test_a_tracking_address_must_be_https_with_a_slot_for_the_number(template, message):
    carrier = Carrier(name="Post", code="post", tracking_url_template=template)

    with pytest.raises(ValidationError) as raised:
        carrier.full_clean()

    assert raised.value.message_dict["tracking_url_template"] == [message]


def test_staff_edit_a_carrier_in_the_admin_and_a_bad_address_is_refused(client, staff):
    carrier = CarrierFactory()
    url = reverse("admin:orders_carrier_change", args=[carrier.pk])
    fields = {"name": "SF Express", "name_zh": "顺丰", "code": carrier.code, "position": 0, "is_active": "on"}

    refused = client.post(url, {**fields, "tracking_url_template": "http://sf.example/{number}"})
    saved = client.post(url, {**fields, "tracking_url_template": "https://sf.example/t/{number}"})

    carrier.refresh_from_db()
    assert refused.status_code == 200
    assert "The tracking address must start with https://." in refused.content.decode()
    assert saved.status_code == 302
    assert carrier.tracking_url_template == "https://sf.example/t/{number}"


def test_old_orders_typed_carrier_names_are_matched_and_unknown_ones_kept():
    sf = CarrierFactory()
    zto = CarrierFactory(code="zto", name="ZTO Express", name_zh="中通快递")
    typed = [OrderFactory(carrier=text) for text in ("sf express", "顺丰", "中通", "Uncle's Van")]

    SEEDING.seed_and_match(apps, None)

    for order in typed:
        order.refresh_from_db()
    assert [order.shipping_carrier for order in typed] == [sf, sf, zto, None]
    assert [order.carrier for order in typed] == ["sf express", "顺丰", "中通", "Uncle's Van"]
