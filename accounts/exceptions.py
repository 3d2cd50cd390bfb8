"""Domain errors of customer accounts."""

from shop.exceptions import ShopError


class EmailTaken(ShopError):
    """Another account already uses this email address (compared case-insensitively)."""


class InvalidToken(ShopError):
    """The link is tampered with, expired, or no longer matches the account."""


class AccountHasOpenOrders(ShopError):
    """The account has orders still on their way; deleting it would lose where they go."""

    def __init__(self, numbers: list[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = numbers


class StaffAccountNotDeletable(ShopError):
    """Staff accounts are removed by a superuser in the admin, not from the account page."""


class InvalidCode(ShopError):
    """The code does not match the authenticator being set up."""


class AlreadyEnrolled(ShopError):
    """The account has a confirmed authenticator already; a new one needs a verified session."""


class NotStaff(ShopError):
    """Two-factor set-up links are for active staff accounts only."""


class SetupLinkUnusable(ShopError):
    """A two-factor set-up link that cannot be used: another account's, used, replaced or expired.

    ``reason`` says which: "other_account", or a TwoFactorSetupLink.State value.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AddressBookFull(ShopError):
    """The customer keeps as many addresses as one may (ADDRESS_BOOK_LIMIT) already."""


class SavedAddressNotFound(ShopError):
    """No such address in this customer's book (another customer's, or deleted meanwhile)."""
