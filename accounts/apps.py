from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Customers' accounts: sign-up, sign-in, email verification and change, profile, two-factor, privacy.

    The user model itself stays in the shop package (app label "shop"): every app relates to the
    user, so it lives in the lowest layer (docs/architecture.md, "Apps and what each may import").
    """

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401 (connects the sign-in log receivers)
        from accounts.models import ADDRESS_BOOK_LIMIT
        from accounts.privacy import ADDRESSES_PRIVACY_PART
        from accounts.selectors import saved_address_book_entries
        from accounts.services import saved_address_create_for_order
        from orders.address_book import AddressBook, address_book_register
        from shop.privacy import privacy_part_register

        privacy_part_register(ADDRESSES_PRIVACY_PART)
        address_book_register(
            AddressBook(
                entries=saved_address_book_entries,
                save=lambda user, values: saved_address_create_for_order(user=user, values=values),
                limit=ADDRESS_BOOK_LIMIT,
            )
        )
