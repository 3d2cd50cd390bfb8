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
