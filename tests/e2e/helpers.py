"""Steps the browser tests share."""

GUEST_DETAILS = {
    "email": "lena@example.com",
    "full_name": "Lena Hoffmann",
    "phone": "138 0013 8000",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
}
# Chosen, not typed: province, city and district, each list filled once the one above is chosen.
GUEST_DIVISIONS = ("浙江省", "杭州市", "西湖区")


def divisions_choose(page, province: str, city: str, district: str) -> None:
    """Choose a mainland Chinese address's province, city and district, as a shopper does with JavaScript."""
    page.locator("#id_province_code").select_option(label=province)
    page.locator("#id_city_code").locator("option", has_text=city).wait_for(state="attached")
    page.locator("#id_city_code").select_option(label=city)
    page.locator("#id_district_code").locator("option", has_text=district).wait_for(state="attached")
    page.locator("#id_district_code").select_option(label=district)


def checkout_as_guest(page, *, payment_method: str, **details: str) -> None:
    """Fill in the checkout form as a guest, choose the payment method by its label, place the order."""
    divisions_choose(page, *GUEST_DIVISIONS)
    for name, value in {**GUEST_DETAILS, **details}.items():
        page.locator(f"#id_{name}").fill(value)
    page.get_by_label(payment_method).check()
    page.get_by_role("button", name="Place order").click()
