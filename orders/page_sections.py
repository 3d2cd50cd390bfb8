"""Parts of the order page that higher apps show (after-sales requests), without orders importing them.

A source is a function of the request and the order that returns an ``OrderPageSection``
(a template and its context) or None when it has nothing to show. Sources register in
their ``AppConfig.ready()``; the page includes each section after the order's items.
A source must cost no query for orders it has nothing to say about that it can tell
from the order row (an order not yet shipped, say).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from orders.models import Order


@dataclass(frozen=True)
class OrderPageSection:
    template_name: str
    context: Mapping[str, Any] = field(default_factory=dict)


OrderPageSectionSource = Callable[[HttpRequest, "Order"], OrderPageSection | None]
_sources: list[OrderPageSectionSource] = []


def order_page_section_register(source: OrderPageSectionSource) -> None:
    """Show ``source``'s section on every order page it returns one for; registering twice changes nothing."""
    if source not in _sources:
        _sources.append(source)


def order_page_sections(*, request: HttpRequest, order: "Order") -> list[OrderPageSection]:
    """The sections the registered sources show for this order, in the order they registered."""
    sections = (source(request, order) for source in _sources)
    return [section for section in sections if section is not None]
