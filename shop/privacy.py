"""The privacy registry: each app contributes its own part of a customer's data export and erasure.

The accounts app runs the export and the erasure, but it may not import the apps below it for
their data, and they may not import it. So each app registers a ``PrivacyPart`` in its
``AppConfig.ready()``; ``accounts.privacy`` calls every part (docs/architecture.md, "Talking
upward: signals and registries").
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shop.exceptions import ShopError
from shop.models import User

# What anonymised orders and tickets show instead of a name. Data, not interface text: the
# books read the same in every language.
ANONYMISED_NAME = "Deleted customer"


class ErasureBlocked(ShopError):
    """Something of the customer's is still under way (an order on its way); ``items`` names it."""

    def __init__(self, items: list[str]) -> None:
        super().__init__(", ".join(items))
        self.items = items


@dataclass(frozen=True)
class PrivacyPart:
    """One app's share of a customer's data.

    ``export`` returns JSON-ready data stored under ``key`` in the export. ``erase`` deletes
    or anonymises the app's rows about the customer; it runs inside the erasure's
    transaction, with the user row locked, before the user row is deleted. It locks the
    rows it decides on and raises ErasureBlocked when one of them must finish first (the
    whole erasure then rolls back).
    """

    key: str
    export: Callable[[User], Any]
    erase: Callable[[User], None]


_parts: dict[str, PrivacyPart] = {}


def privacy_part_register(part: PrivacyPart) -> None:
    """Add an app's part; registering the same key again replaces it (ready() may run twice in tests)."""
    _parts[part.key] = part


def privacy_part_list() -> list[PrivacyPart]:
    """Every registered part, in registration order (the order of INSTALLED_APPS)."""
    return list(_parts.values())


def privacy_value(value: Any) -> Any:
    """A model value as JSON-ready data: datetimes in ISO 8601, money as a string."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def privacy_fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as JSON-ready data."""
    return {name: privacy_value(getattr(obj, name)) for name in names}
