"""One benchmark shopper: a guest with its own cookies buying through the whole storefront path.

Standard library only at run time (``http.client``, regular expressions), so
each shopper process is cheap and never touches Django or the database. It
loops: product page, add to cart, (the coupon code on the cart's form, in the loop
that applies it there,) checkout form, place order (with the code typed, in the loop
that types it at checkout), confirmation page, and checks every status, counting
failures by step.
"""

import html
import http.client
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

from benchmarks.server import HOST

REQUEST_TIMEOUT_SECONDS = 10.0
STEPS = ("product", "add", "coupon", "checkout", "place", "confirm")
STEP_LABELS = {
    "product": "GET product page",
    "add": "POST /cart/add/",
    "coupon": "POST /cart/coupon/ (the loop with a code applied in the cart)",
    "checkout": "GET /checkout/",
    "place": "POST /checkout/ (place order)",
    "confirm": "GET order page",
}
# Where a loop with a coupon enters its code: typed with the order on the checkout page
# (pressing "Place order"), or applied on the cart's coupon form first (one request more).
COUPON_AT_CHECKOUT = "checkout"
COUPON_IN_CART = "cart"
EMAIL_DOMAIN = "example.com"  # reserved for examples (RFC 2606): nothing is ever delivered there

_INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?')
_ORDER_PATH = re.compile(r"^/orders/([^/?#]+)/")


class ParseError(ValueError):
    """A page lacks a form field the shopper needs."""


class StepFailed(Exception):
    """One step of the checkout path did not answer as a browser would expect."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


# --- Reading the pages ----------------------------------------------------------------------------


def input_tags(page: str, name: str) -> list[dict[str, str]]:
    """The attributes of every ``<input>`` named ``name``, in page order (values unescaped)."""
    tags = []
    for tag in _INPUT_TAG.findall(page):
        attributes = {
            key.lower(): html.unescape(value or "") for key, value in _ATTRIBUTE.findall(tag[len("<input") :])
        }
        if attributes.get("name") == name:
            tags.append(attributes)
    return tags


def input_value(page: str, name: str) -> str:
    """The value of the first input named ``name``; raises ParseError if there is none."""
    for attributes in input_tags(page, name):
        if attributes.get("value"):
            return attributes["value"]
    raise ParseError(f"no input named {name!r} with a value")


def input_choice(page: str, name: str) -> str:
    """What a browser submits for ``name``: a hidden input, else the checked or first enabled radio."""
    tags = [attributes for attributes in input_tags(page, name) if "disabled" not in attributes]
    for attributes in tags:
        chosen = attributes.get("type", "text").lower() != "radio" or "checked" in attributes
        if chosen and attributes.get("value"):
            return attributes["value"]
    for attributes in tags:
        if attributes.get("value"):
            return attributes["value"]
    raise ParseError(f"no enabled choice for {name!r}")


def order_number_from_location(location: str) -> str:
    """The order number in a redirect to ``/orders/<number>/``; raises ParseError otherwise."""
    match = _ORDER_PATH.match(urlsplit(location).path)
    if match is None:
        raise ParseError(f"not an order page: {location!r}")
    return match.group(1)


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile (a value that occurred); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# --- One shopper ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    location: str
    body: str


class Browser:
    """A cookie jar and a persistent HTTP connection to one local server (standard library only).

    gunicorn's sync workers close the connection after each response;
    http.client then opens a new one for the next request by itself.
    """

    def __init__(self, port: int, *, host: str = HOST, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.host = host
        self.port = port
        self.cookies: dict[str, str] = {}
        self._connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def close(self) -> None:
        self._connection.close()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        """Send one request with the jar's cookies, store the cookies set, return the whole response."""
        headers = {"Accept-Language": "en", "User-Agent": "shop-bench-checkout"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reused = self._connection.sock is not None
        try:
            response = self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed an idle kept-alive connection before reading
            # this request: send it again once on a fresh connection.
            self._connection.close()
            response = self._send(method, path, body, headers)
        self._store_cookies(response.headers.get_all("Set-Cookie") or [])
        content = response.read().decode("utf-8", errors="replace")
        return Response(response.status, response.headers.get("Location", ""), content)

    def _send(self, method: str, path: str, body: str | None, headers: dict[str, str]):
        self._connection.request(method, path, body=body, headers=headers)
        return self._connection.getresponse()

    def _store_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                # Django deletes a cookie by setting it empty with Max-Age=0.
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass(frozen=True)
class ShopperPlan:
    """What one shopper process does: which products to cycle through, as whom, for how long."""

    port: int
    product_paths: tuple[str, ...]
    email: str
    duration: float
    warmup: float = 0.0  # seconds of untimed loops before the measured ``duration``
    offset: int = 0  # where in product_paths this shopper starts, so shoppers spread over products
    loops: int | None = None  # stop after this many loops even before the duration (tests)
    host: str = HOST
    coupon_code: str = ""  # used for each order (canonical form); blank: the plain loop
    coupon_at: str = COUPON_AT_CHECKOUT  # or COUPON_IN_CART


@dataclass
class ShopperResult:
    """What one shopper measured; merged across shoppers by ``ShopperResult.merge``."""

    checkouts: int = 0  # confirmation page answered 200 and showed the order number
    placed: int = 0  # place-order POSTs redirected to an order page
    placed_in_warmup: int = 0  # the same during the warm-up (checked against the database, not timed)
    errors: Counter = field(default_factory=Counter)  # step -> count
    first_errors: dict[str, str] = field(default_factory=dict)  # step -> the first error's detail
    place_ms: list[float] = field(default_factory=list)  # successful place-order POSTs
    loop_ms: list[float] = field(default_factory=list)  # complete checkouts, product page to confirmation
    step_ms: dict[str, list[float]] = field(default_factory=dict)  # step -> times of its answered requests
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # the shopper processes' own CPU time, to tell client from server

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @classmethod
    def merge(cls, results: Sequence["ShopperResult"]) -> "ShopperResult":
        merged = cls()
        for result in results:
            merged.checkouts += result.checkouts
            merged.placed += result.placed
            merged.placed_in_warmup += result.placed_in_warmup
            merged.errors.update(result.errors)
            for step, detail in result.first_errors.items():
                merged.first_errors.setdefault(step, detail)
            merged.place_ms += result.place_ms
            merged.loop_ms += result.loop_ms
            for step, times in result.step_ms.items():
                merged.step_ms.setdefault(step, []).extend(times)
            merged.seconds = max(merged.seconds, result.seconds)
            merged.client_cpu_seconds += result.client_cpu_seconds
        return merged


def _call(
    browser: Browser,
    result: ShopperResult,
    step: str,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
) -> Response:
    started = time.perf_counter()
    try:
        response = browser.request(method, path, form)
    except (OSError, http.client.HTTPException) as error:
        raise StepFailed(step, f"{method} {path}: {type(error).__name__}: {error}") from error
    result.step_ms.setdefault(step, []).append((time.perf_counter() - started) * 1000)
    return response


def _expect(response: Response, step: str, status: int) -> Response:
    if response.status != status:
        where = f" to {response.location}" if response.location else ""
        raise StepFailed(step, f"answered {response.status}{where}, expected {status}")
    return response


def _parsed(step: str, parse, *args: str) -> str:
    try:
        return parse(*args)
    except ParseError as error:
        raise StepFailed(step, str(error)) from error


def checkout_details(*, email: str) -> dict[str, str]:
    """A guest's checkout form, cash on delivery to mainland China (needs no bank account)."""
    return {
        "email": email,
        "full_name": "Bench Shopper",
        "phone": "138 0013 8000",
        "country": "CN",
        # 浙江省 杭州市 西湖区, chosen from the divisions.
        "province_code": "33",
        "city_code": "3301",
        "district_code": "330106",
        "postal_code": "310000",
        "address_line1": "1 Benchmark Road",
        "address_line2": "",
        "payment_method": "cod",
        "note": "",
    }


def checkout_once(
    browser: Browser,
    *,
    product_path: str,
    email: str,
    result: ShopperResult,
    coupon_code: str = "",
    coupon_at: str = COUPON_AT_CHECKOUT,
) -> str:
    """Buy one unit through the whole path; returns the order number.

    With ``coupon_code``, the code is typed with the order on the checkout page, or with
    ``coupon_at=COUPON_IN_CART`` applied to the cart after adding to it (the cart's
    coupon form); either way the order page must show it. Counts the place-order POST in
    ``result`` (and its time) once it redirects to an order page, and the checkout once
    the confirmation page shows that order's number. Raises StepFailed naming the step
    that went wrong.
    """
    started = time.perf_counter()
    page = _expect(_call(browser, result, "product", "GET", product_path), "product", 200).body
    add_form = {
        "csrfmiddlewaretoken": _parsed("product", input_value, page, "csrfmiddlewaretoken"),
        "variant": _parsed("product", input_choice, page, "variant"),
        "quantity": "1",
    }
    _expect(_call(browser, result, "add", "POST", "/cart/add/", add_form), "add", 302)
    if coupon_code and coupon_at == COUPON_IN_CART:
        coupon_form = {"csrfmiddlewaretoken": add_form["csrfmiddlewaretoken"], "code": coupon_code}
        _expect(_call(browser, result, "coupon", "POST", "/cart/coupon/", coupon_form), "coupon", 302)

    page = _expect(_call(browser, result, "checkout", "GET", "/checkout/"), "checkout", 200).body
    place_form = {
        **checkout_details(email=email),
        "csrfmiddlewaretoken": _parsed("checkout", input_value, page, "csrfmiddlewaretoken"),
        "checkout_token": _parsed("checkout", input_value, page, "checkout_token"),
        "shipping_method": _parsed("checkout", input_choice, page, "shipping_method"),
    }
    if coupon_code and coupon_at == COUPON_AT_CHECKOUT:
        place_form |= {"code": coupon_code, "place": "1"}  # typed, then "Place order" pressed
    placed = _expect(_call(browser, result, "place", "POST", "/checkout/", place_form), "place", 302)
    number = _parsed("place", order_number_from_location, placed.location)
    result.placed += 1
    result.place_ms.append(result.step_ms["place"][-1])

    split = urlsplit(placed.location)
    confirmation_path = split.path + (f"?{split.query}" if split.query else "")
    page = _expect(_call(browser, result, "confirm", "GET", confirmation_path), "confirm", 200).body
    if number not in page:
        raise StepFailed("confirm", f"the order page does not show {number}")
    if coupon_code and coupon_code not in page:
        raise StepFailed("confirm", f"the order page does not show the code {coupon_code}")
    result.checkouts += 1
    result.loop_ms.append((time.perf_counter() - started) * 1000)
    return number


def shopper_run(plan: ShopperPlan) -> ShopperResult:
    """Warm up, then loop checkouts until the duration is over (or ``plan.loops`` are done).

    Never raises StepFailed: a failed loop is counted under its step (in the
    warm-up too, untimed) and the shopper starts over as a new guest (fresh
    cookies), so a half-filled cart never leaks into the next order. The loop
    running at a deadline finishes; each request is bounded by a timeout.
    """
    warmup = ShopperResult()
    session = _ShopperSession(plan)
    try:
        session.loop_until(time.monotonic() + plan.warmup, warmup)
        result = ShopperResult(
            placed_in_warmup=warmup.placed, errors=warmup.errors, first_errors=warmup.first_errors
        )
        started = time.monotonic()
        cpu_started = time.process_time()
        session.loop_until(started + plan.duration, result)
    finally:
        session.browser.close()
    result.seconds = time.monotonic() - started
    result.client_cpu_seconds = time.process_time() - cpu_started
    return result


class _ShopperSession:
    """One shopper's browser and place in the product cycle, across the warm-up and the run."""

    def __init__(self, plan: ShopperPlan) -> None:
        self.plan = plan
        self.browser = Browser(plan.port, host=plan.host)
        self.loops = 0

    def loop_until(self, deadline: float, result: ShopperResult) -> None:
        plan = self.plan
        while time.monotonic() < deadline and (plan.loops is None or self.loops < plan.loops):
            path = plan.product_paths[(plan.offset + self.loops) % len(plan.product_paths)]
            self.loops += 1
            try:
                checkout_once(
                    self.browser,
                    product_path=path,
                    email=plan.email,
                    result=result,
                    coupon_code=plan.coupon_code,
                    coupon_at=plan.coupon_at,
                )
            except StepFailed as failure:
                result.errors[failure.step] += 1
                result.first_errors.setdefault(failure.step, failure.detail)
                self.browser.close()
                self.browser = Browser(plan.port, host=plan.host)
