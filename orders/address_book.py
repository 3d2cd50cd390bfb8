"""The checkout's view of a customer's address book, which the accounts app keeps.

Orders may not import accounts (docs/architecture.md, "Apps and what each may import"), so
accounts registers an ``AddressBook`` here from its ``AppConfig.ready()``: checkout lists a
signed-in customer's saved addresses through it, and ``order_place`` saves a new one through
it inside the order's transaction. Without one registered, checkout offers no saved address.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from shop.addresses import ADDRESS_FIELDS
from shop.phones import phone_display

# What an address in the book holds besides the postal address: its recipient and phone.
BOOK_FIELDS = ("recipient_name", "phone", *ADDRESS_FIELDS)


@dataclass(frozen=True)
class BookEntry:
    """One saved address as checkout shows and uses it."""

    id: int
    is_default: bool
    recipient_name: str
    phone: str  # E.164
    country: str
    lines: tuple[str, ...]  # the postal address, large to small, as printed
    values: Mapping[str, str]  # the ADDRESS_FIELDS, as an order stores them

    @property
    def phone_shown(self) -> str:
        return phone_display(phone=self.phone, country=self.country)


@dataclass(frozen=True)
class AddressBook:
    """What checkout needs of the address book.

    ``entries(user)`` is the customer's addresses, the default first (one query).
    ``save(user, values)`` adds an address (``values`` holds every name in BOOK_FIELDS) inside
    the caller's transaction, and says whether it did: a full book is left as it is.
    ``limit`` is how many addresses a book holds.
    """

    entries: Callable[[AbstractBaseUser], list[BookEntry]]
    save: Callable[[AbstractBaseUser, Mapping[str, str]], bool]
    limit: int


_book: AddressBook | None = None


def address_book_register(book: AddressBook) -> None:
    """Set the address book checkout uses; registering again replaces it (ready() may run twice in tests)."""
    global _book
    _book = book


def address_book_get() -> AddressBook | None:
    """The registered address book, or None when no app keeps one."""
    return _book


@dataclass(frozen=True)
class CheckoutBook:
    """A signed-in customer's book at checkout: the addresses to choose from, and whether one more fits."""

    entries: list[BookEntry]
    full: bool


def address_book_for_checkout(*, user: AbstractBaseUser) -> CheckoutBook | None:
    """The signed-in customer's book for the checkout page (one query); None for a guest (no query)."""
    if _book is None or not user.is_authenticated:
        return None
    entries = _book.entries(user)
    return CheckoutBook(entries=entries, full=len(entries) >= _book.limit)
