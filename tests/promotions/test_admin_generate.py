"""Generating coupon codes in bulk from the admin, and downloading codes as CSV."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from promotions.codes import CODE_ALPHABET
from promotions.models import Coupon
from promotions.services import coupons_deactivate, coupons_generate
from shop.models import AuditEvent
from tests.factories import CategoryFactory, CouponFactory, ProductFactory, StaffUserFactory
from tests.helpers import staff_login
from tests.promotions.admin_helpers import (
    COUPONS,
    GENERATE,
    GENERATE_DONE,
    GENERATE_DOWNLOAD,
    generate_post,
    staff_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = StaffUserFactory(email="marketing@example.com")
    staff_login(client, user)
    return user


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


def test_the_coupon_list_leads_to_the_form(client, staff):
    page = client.get(COUPONS).content.decode()
    form = client.get(GENERATE)

    assert f'href="{GENERATE}"' in page
    assert form.status_code == 200
    assert 'name="count"' in form.content.decode()


def test_generating_makes_unique_codes_alike_and_leads_to_their_download(client, staff, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    tea, teapot = CategoryFactory(), ProductFactory()
    CouponFactory(code="OLD1", campaign="Newsletter")

    response = client.post(
        GENERATE,
        generate_post(
            count="300",
            prefix="nl-",
            length="10",
            value="15",
            max_discount="30",
            min_spend="100",
            valid_until_0="2027-01-01",
            valid_until_1="00:00",
            uses_per_customer="1",
            first_order_only="on",
            categories=[tea.pk],
            products=[teapot.pk],
        ),
    )

    made = Coupon.objects.exclude(code="OLD1")
    codes = list(made.values_list("code", flat=True))
    assert response.status_code == 302
    assert response["Location"] == GENERATE_DONE
    assert len(codes) == len(set(codes)) == 300
    assert all(code.startswith("NL-") and len(code) == 13 for code in codes)
    assert all(set(code[3:]) <= set(CODE_ALPHABET) for code in codes)
    assert set(
        made.values_list(
            "kind",
            "value",
            "max_discount",
            "min_spend",
            "uses_total",
            "uses_per_customer",
            "first_order_only",
        )
    ) == {("percentage", Decimal("15.00"), Decimal("30.00"), Decimal("100.00"), 1, 1, True)}
    assert set(made.values_list("valid_until", flat=True)) == {datetime(2026, 12, 31, 16, 0, tzinfo=UTC)}
    assert made.filter(categories=tea, products=teapot).count() == 300
    assert set(made.values_list("campaign", flat=True)) == {"Newsletter"}


def test_the_done_page_starts_the_download_of_the_new_codes_only(client, staff, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    CouponFactory(code="OLD1", campaign="Newsletter")
    client.post(
        GENERATE,
        generate_post(count="3", kind="fixed", value="20", valid_until_0="2027-01-01", valid_until_1="00:00"),
    )

    done = client.get(GENERATE_DONE).content.decode()
    download = client.get(GENERATE_DOWNLOAD)

    rows = read_csv(download)
    assert "3 codes were made for the campaign “Newsletter”." in done
    assert f'<meta http-equiv="refresh" content="1;url={GENERATE_DOWNLOAD}">' in done
    assert download["Content-Disposition"].startswith('attachment; filename="coupons-')
    assert sorted(row["Code"] for row in rows) == sorted(
        Coupon.objects.exclude(code="OLD1").values_list("code", flat=True)
    )
    assert {
        (row["Kind"], row["Value"], row["Valid until"], row["Uses in all"], row["Campaign"]) for row in rows
    } == {("Fixed amount off", "20.00", "2027-01-01 00:00", "1", "Newsletter")}


def test_generating_and_downloading_are_in_the_audit_trail(client, staff):
    client.post(GENERATE, generate_post(count="4", campaign="Spring"))
    client.get(GENERATE_DOWNLOAD)

    events = {event.action: event for event in AuditEvent.objects.all()}
    generated = events[AuditEvent.Action.COUPONS_GENERATED]
    downloaded = events[AuditEvent.Action.EXPORT_DOWNLOADED]
    assert (generated.actor, generated.target) == (staff, "campaign Spring")
    assert generated.detail["coupons"] == 4
    assert (downloaded.actor, downloaded.target, downloaded.detail["coupons"]) == (staff, "coupons", 4)


def test_reloading_the_done_page_makes_no_second_batch(client, staff):
    client.post(GENERATE, generate_post(count="2"))

    client.get(GENERATE_DONE)
    client.get(GENERATE_DONE)

    assert Coupon.objects.count() == 2


def test_without_a_batch_the_download_goes_back_to_the_list(client, staff):
    response = client.get(GENERATE_DOWNLOAD, follow=True)

    assert response.redirect_chain[-1][0] == COUPONS
    assert "There is no new batch of codes to download" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"count": "0"}, "count", "Make at least 1 code."),
        ({"count": "10001"}, "count", "At most 10000 codes at a time."),
        ({"count": "ten"}, "count", "Enter a whole number."),
        ({"count": ""}, "count", "This field is required."),
        ({"campaign": ""}, "campaign", "This field is required."),
        (
            {"prefix": "NL 2026"},
            "prefix",
            "A code may use only the letters A–Z, the digits 0–9, “-” and “_”, not “space”.",  # noqa: RUF001  # noqa: RUF001
        ),
        (
            {"prefix": "-NL"},
            "prefix",
            "A code cannot start with “-”: spreadsheets would read it as a formula.",
        ),
        ({"length": "5"}, "length", "Ensure this value is greater than or equal to 6."),
        (
            {"prefix": "P" * 30, "length": "12"},
            "length",
            "With this prefix a code has room for at most 10 random characters.",
        ),
        ({"value": "150"}, "value", "A percentage off must be more than 0 and at most 100."),
        (
            {"kind": "fixed", "value": "20", "max_discount": "5"},
            "max_discount",
            "Only a percentage coupon has a maximum discount: leave it empty.",
        ),
        ({"uses_total": "0"}, "uses_total", "At least 1; leave it empty for no limit."),
        (
            {
                "valid_from_0": "2027-01-02",
                "valid_from_1": "00:00",
                "valid_until_0": "2027-01-01",
                "valid_until_1": "00:00",
            },
            "valid_until",
            "The end must be after the start.",
        ),
        (
            {"categories": ["999999"]},
            "categories",
            "Select a valid choice. 999999 is not one of the available choices.",
        ),
        ({"products": ["abc"]}, "products", "“abc” is not a valid value."),
    ],
)
def test_bad_input_gets_a_message_and_makes_nothing(client, staff, fields, field, message):
    response = client.post(GENERATE, generate_post(**fields))

    assert response.status_code == 200
    assert _errors(response, field) == [message]
    assert not Coupon.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COUPONS_GENERATED).exists()


def test_a_full_width_prefix_is_made_canonical(client, staff):
    client.post(GENERATE, generate_post(count="2", prefix="\uff4e\uff4c"))

    assert all(code.startswith("NL") for code in Coupon.objects.values_list("code", flat=True))


def test_staff_without_add_coupon_get_403_and_no_button(client):
    staff_login(client, staff_with("view_coupon", "change_coupon"))

    page = client.get(COUPONS).content.decode()
    form = client.get(GENERATE)
    post = client.post(GENERATE, generate_post())
    download = client.get(GENERATE_DOWNLOAD)

    assert f'href="{GENERATE}"' not in page
    assert (form.status_code, post.status_code, download.status_code) == (403, 403, 403)
    assert not Coupon.objects.exists()


def test_staff_with_add_coupon_may_generate(client):
    staff_login(client, staff_with("view_coupon", "add_coupon"))

    response = client.post(GENERATE, generate_post(count="2"))

    assert response.status_code == 302
    assert Coupon.objects.count() == 2


def test_a_signed_out_visitor_is_sent_to_the_admin_sign_in(client):
    response = client.post(GENERATE, generate_post())

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not Coupon.objects.exists()


# Downloading chosen codes


def test_the_download_action_writes_the_selected_codes_with_cells_safe_from_formulas(client, staff):
    chosen = CouponFactory(code="SAFE1", campaign='=HYPERLINK("http://evil.example","x")')
    dashed = CouponFactory(code="-MINUS", campaign="+1")
    CouponFactory(code="OTHER")

    response = client.post(
        COUPONS, {"action": "download_csv_selected", ACTION_CHECKBOX_NAME: [chosen.pk, dashed.pk]}
    )

    rows = read_csv(response)
    assert [(row["Code"], row["Campaign"]) for row in rows] == [
        ("SAFE1", '\'=HYPERLINK("http://evil.example","x")'),
        ("'-MINUS", "'+1"),
    ]
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_DOWNLOADED).detail["coupons"] == 2


def test_every_code_of_a_campaign_downloads_from_the_filtered_list(client, staff):
    for number in range(3):
        CouponFactory(code=f"SPRING{number}", campaign="Spring")
    CouponFactory(code="AUTUMN1", campaign="Autumn")

    response = client.post(
        f"{COUPONS}?campaign=Spring",
        {"action": "download_csv_selected", "select_across": "1", ACTION_CHECKBOX_NAME: ["1"]},
    )

    assert sorted(row["Code"] for row in read_csv(response)) == ["SPRING0", "SPRING1", "SPRING2"]


def test_the_csv_reads_in_chinese_for_a_chinese_admin(client, staff):
    CouponFactory(code="FREE", kind="free_shipping", value=0)

    response = client.post(
        COUPONS,
        {"action": "download_csv_selected", ACTION_CHECKBOX_NAME: [Coupon.objects.get().pk]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    rows = read_csv(response)
    assert rows[0]["优惠码"] == "FREE"
    assert rows[0]["类型"] == "包邮"


def test_staff_without_add_coupon_cannot_download_codes(client):
    coupon = CouponFactory()
    staff_login(client, staff_with("view_coupon", "change_coupon"))

    response = client.post(COUPONS, {"action": "download_csv_selected", ACTION_CHECKBOX_NAME: [coupon.pk]})

    assert response.get("Content-Type", "").startswith("text/html")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


# The services behind the admin


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"count": 0}, "count"),
        ({"count": 10_001}, "count"),
        ({"prefix": "nl-"}, "prefix"),
        ({"prefix": "NL 1"}, "prefix"),
        ({"length": 5}, "length"),
        ({"prefix": "P" * 30, "length": 11}, "length"),
    ],
)
def test_generating_refuses_what_would_make_bad_codes_and_writes_nothing(arguments, problem):
    with pytest.raises(ValueError, match=problem):
        coupons_generate(template=Coupon(campaign="Spring"), **{"count": 5, **arguments})

    assert not Coupon.objects.exists()
    assert not AuditEvent.objects.exists()


def test_generating_from_an_unsaved_template_applies_to_the_chosen_categories_and_products():
    tea, teapot = CategoryFactory(), ProductFactory()

    made = coupons_generate(
        template=Coupon(campaign="Spring", kind=Coupon.Kind.FIXED, value=Decimal("5.00")),
        count=3,
        category_ids=[tea.pk],
        product_ids=[teapot.pk],
    )

    assert {coupon.pk for coupon in made} == set(
        Coupon.objects.filter(categories=tea, products=teapot).values_list("pk", flat=True)
    )
    assert AuditEvent.objects.get().detail == {
        "coupons": 3,
        "campaign": "Spring",
        "prefix": "",
        "kind": "fixed",
    }


def test_deactivating_counts_only_the_coupons_that_were_on():
    on, off, other = CouponFactory(), CouponFactory(is_active=False), CouponFactory()

    changed = coupons_deactivate(coupon_ids=[on.pk, off.pk])

    assert changed == 1
    assert list(Coupon.objects.filter(is_active=True)) == [other]
