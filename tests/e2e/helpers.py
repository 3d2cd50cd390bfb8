"""Steps the browser tests share."""

GUEST_DETAILS = {
    "email": "lena@example.com",
    "full_name": "Lena Hoffmann",
    "phone": "138 0013 8000",
    "province": "Zhejiang",
    "city": "Hangzhou",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
}


def checkout_as_guest(page, *, payment_method: str, **details: str) -> None:
    """Fill in the checkout form as a guest, choose the payment method by its label, place the order."""
    for name, value in {**GUEST_DETAILS, **details}.items():
        page.locator(f"#id_{name}").fill(value)
    page.get_by_label(payment_method).check()
    page.get_by_role("button", name="Place order").click()
