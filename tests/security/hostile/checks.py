"""Running one hostile request and judging it: the answer, and a fingerprint of the data that
invalid input must leave alone; failures of a whole walk collected at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme

from tests.security.hostile.values import RAW_XSS_MARKERS

# The domain's tables. Bookkeeping that any request may touch (sessions, rate-limit counters,
# sign-in attempt logs) is left out on purpose.
FINGERPRINTED_MODELS = (
    "shop.User",
    "catalog.Category",
    "catalog.Product",
    "catalog.Variant",
    "catalog.ProductImage",
    "promotions.Coupon",
    "promotions.Promotion",
    "promotions.PromotionTier",
    "orders.ShippingMethod",
    "orders.Order",
    "orders.OrderLine",
    "orders.OrderEvent",
    "orders.OutboundEmail",
    "support.Ticket",
    "support.Message",
    "support.Attachment",
    "support.TicketEvent",
    "support.Notification",
    "aftersales.AfterSalesRequest",
    "aftersales.AfterSalesLine",
    "aftersales.AfterSalesPhoto",
    "django_tasks_database.DBTaskResult",
)


def data_fingerprint() -> dict[str, str]:
    """A digest of every row of the domain's tables and the task queue, per table."""
    tables = [apps.get_model(label)._meta.db_table for label in FINGERPRINTED_MODELS]
    row_digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    selects = " UNION ALL ".join(
        f"SELECT %s, {row_digest} FROM {connection.ops.quote_name(table)} t" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(selects, tables)
        return dict(cursor.fetchall())


# Running one hostile request --------------------------------------------------------------------

REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Outcome:
    status: int
    content: bytes
    content_type: str
    location: str = ""


def send(
    client: Client,
    *,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    content_type: str = "",
    headers: dict[str, str] | None = None,
) -> Outcome:
    extra = dict(headers or {})
    if query:
        extra["QUERY_STRING"] = query
    response = client.generic(method, path, data=body, content_type=content_type, **extra)
    content = b"" if getattr(response, "streaming", False) else response.content
    if getattr(response, "streaming", False):
        response.close()
    return Outcome(
        response.status_code, content, response.get("Content-Type", ""), response.get("Location", "")
    )


def check_outcome(outcome: Outcome, *, before: dict[str, str], after: dict[str, str], what: str) -> None:
    """No server error, no raw reflected markup, no redirect off the site, and no data changed
    unless the request redirected."""
    assert outcome.status < 500, f"{what} answered {outcome.status}"
    if outcome.status in REDIRECTS:
        # Django's check refuses any URL over 2048 characters; the host is in the first few.
        assert url_has_allowed_host_and_scheme(outcome.location[:2000], allowed_hosts={"testserver"}), (
            f"{what} redirected off the site, to {outcome.location!r}"
        )
    if "html" in outcome.content_type:
        for marker in RAW_XSS_MARKERS:
            assert marker not in outcome.content, f"{what} reflected {marker!r} unescaped"
    if outcome.status not in REDIRECTS:
        changed = sorted(table for table in before if before[table] != after.get(table))
        assert not changed, f"{what} answered {outcome.status} but changed {changed}"


def _describe(error: BaseException) -> str:
    """The failure with Hypothesis's notes (the falsifying example), every one of a group."""
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in error.exceptions)
    notes = "\n".join(getattr(error, "__notes__", []))
    return f"{type(error).__name__}: {error}\n{notes}"


Item = TypeVar("Item")


def collect_failures(
    items: Iterable[Item], *, check: Callable[[Item], None], label: Callable[[Item], str]
) -> list[str]:
    """Run ``check`` on each item; return every item's failure, not just the first."""
    failures = []
    for item in items:
        try:
            check(item)
        except Exception as error:  # each carries Hypothesis's falsifying example in its notes
            failures.append(f"{label(item)}: {_describe(error)}")
    return failures
