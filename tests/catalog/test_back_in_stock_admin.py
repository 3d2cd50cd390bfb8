"""Back in stock in the admin: the requests and the demand per sold-out variant."""

import re

import pytest
from django.urls import reverse

from tests.catalog.back_in_stock_helpers import ask, restock, sold_out_variant
from tests.factories import StaffUserFactory, VariantFactory
from tests.helpers import staff_login


@pytest.mark.django_db
def test_staff_see_requests_and_demand_per_variant(client):
    staff_login(client, StaffUserFactory())
    wanted = sold_out_variant()
    ask("ann@example.com", wanted)
    ask("lee@example.com", wanted)
    notified = ask("kim@example.com", VariantFactory(sku="MUG-1", stock=0))
    restock(notified.variant, 1)
    VariantFactory(sku="NOBODY-WANTS", stock=0)

    requests_page = client.get(reverse("admin:catalog_backinstockrequest_changelist")).content.decode()
    demand_page = client.get(reverse("admin:catalog_backinstockvariant_changelist")).content.decode()
    filtered = client.get(
        reverse("admin:catalog_backinstockrequest_changelist") + f"?variant__id__exact={wanted.pk}"
    ).content.decode()

    assert "ann@example.com" in requests_page and "kim@example.com" in requests_page
    rows = re.findall(r"<tr>.*?</tr>", demand_page, flags=re.S)
    assert [
        re.search(r"SN-100|MUG-1", row).group(0) for row in rows if "SN-100" in row or "MUG-1" in row
    ] == [
        "SN-100",
        "MUG-1",
    ]
    assert '<td class="field-waiting">2</td>' in demand_page
    assert '<td class="field-notified">1</td>' in demand_page
    assert "NOBODY-WANTS" not in demand_page
    assert "kim@example.com" not in filtered and "ann@example.com" in filtered
