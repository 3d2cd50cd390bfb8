"""Building blocks of the hostile-input walk: every URL pattern, hostile values, raw request bodies,
the forms of a page, and a fingerprint of the data that invalid input must leave alone."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.regex_helper import normalize
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

# Profiles: "ci" (the default) is bounded and deterministic; HYPOTHESIS_PROFILE=deep explores more.
_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": list(HealthCheck),
}
hypothesis_settings.register_profile("security-ci", max_examples=4, derandomize=True, **_COMMON)
hypothesis_settings.register_profile("security-deep", max_examples=60, **_COMMON)


def profile(*, explore: bool = True) -> hypothesis_settings:
    """The profile chosen by HYPOTHESIS_PROFILE ("ci" by default, or "deep"); explicit examples only
    when ``explore`` is false."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    base = hypothesis_settings.get_profile("security-deep" if chosen == "deep" else "security-ci")
    return base if explore else hypothesis_settings(base, phases=[Phase.explicit])


# Hostile values --------------------------------------------------------------------------------

# Reflected anywhere unescaped, these would show up raw in the HTML (checked on every response).
XSS_PROBES = (
    "<script>xss_probe()</script>",
    '"><img src=x onerror=xss_probe()>',
    "'><svg onload=xss_probe()>",
    "javascript:xss_probe()",
)
RAW_XSS_MARKERS = (b"<script>xss_probe", b"<img src=x onerror=xss_probe", b"<svg onload=xss_probe")

HOSTILE_STRINGS = (
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "00000000000000000000001",
    "9" * 30,
    "-" + "9" * 30,
    "1" * 5000,
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "1e-400",
    "1E+999999999",
    "NaN",
    "-Infinity",
    "0x1F",
    "1.5",
    "1,5",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "true",
    "null",
    "None",
    "[]",
    "{}",
    '{"a": 1}',
    "\x00",
    "a\x00b",
    "%00",
    "\u202eevil\u202c",
    "\u200f\u200e\u200b\ufeff",
    "\U0001f600\U0001f4a9\u200d\U0001f468",
    "\ud800",
    "x\udfffy",
    "\r\nSet-Cookie: injected=1",
    "\r\n\r\n<html>",
    "\t\n\x0b\x0c\r",
    "\x1b[31m",
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/passwd",
    "....//....//",
    "%2e%2e%2f%2e%2e%2f",
    "//evil.example.com/",
    "https://evil.example.com/",
    "\\\\evil.example.com",
    "' OR '1'='1",
    "'; DROP TABLE shop_user; --",
    '" OR 1=1 --',
    "1 UNION SELECT password FROM shop_user",
    "%' AND 1=0 --",
    "\\",
    "%",
    "_",
    "%%%%",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "%(password)s",
    "%s%s%s%n",
    *XSS_PROBES,
    "&lt;b&gt;",
    "<b>bold</b>",
    "T-1001",
    "support+deadbeef@example.com",
    "a@b",
    "user@[127.0.0.1]",
    "@" * 300,
    "é" * 2000,
    "\U0001d518\U0001d52b\U0001d526",  # mathematical letters
    "\u0130",  # a capital whose lower case is two code points
    "ß",
    "\ufb03",  # a ligature that case-folds to three letters
)

# Lone surrogates cannot be UTF-8 encoded; they travel as the raw bytes a broken client would send.
_surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
_any_char = st.characters(codec=None, exclude_categories=())
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(_any_char, max_size=40),
    st.text(st.one_of(_any_char, _surrogate), min_size=1, max_size=12),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.tuples(st.sampled_from(HOSTILE_STRINGS), st.integers(min_value=2, max_value=400)).map(
        lambda pair: pair[0] * pair[1]
    ),
)

# Names of query and form parameters the project reads, plus Django admin's.
KNOWN_PARAMETERS = (
    "q",
    "page",
    "sort",
    "category",
    "min_price",
    "max_price",
    "in_stock",
    "next",
    "token",
    "order",
    "variant",
    "quantity",
    "language",
    "email",
    "password",
    "username",
    "o",
    "p",
    "e",
    "all",
    "_popup",
    "_to_field",
    "_changelist_filters",
    "action",
    "select_across",
    "index",
    "_selected_action",
    "post",
    "csrfmiddlewaretoken",
    "term",
    "app_label",
    "model_name",
    "field_name",
    "status",
    "held",
    "unanswered",
    "id__exact",
    "pk__in",
)
parameter_name = st.one_of(st.sampled_from(KNOWN_PARAMETERS), hostile_text)


def encode_text(value: str) -> bytes:
    """UTF-8, with lone surrogates passed through as the invalid bytes a broken client sends."""
    return value.encode("utf-8", "surrogatepass")


def quote_component(value: str, *, safe: str = "") -> str:
    return quote(encode_text(value), safe=safe)


def urlencode_pairs(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote_component(key)}={quote_component(value)}" for key, value in pairs)


query_pairs = st.lists(st.tuples(parameter_name, hostile_text), max_size=6)
huge_query = st.sampled_from(
    [
        "&".join(f"f{n}=1" for n in range(1500)),  # more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS
        "q=" + "x" * 100_000,
        "page=" + "9" * 5000,
        "q=%00&q=%ff%fe&q=%ed%a0%80",
        "%%%&&&===;;;",
    ]
)
query_string = st.one_of(query_pairs.map(urlencode_pairs), huge_query)

HOSTILE_COOKIES = st.dictionaries(
    st.sampled_from(["sessionid", "csrftoken", "django_language", "messages"]),
    st.one_of(
        st.sampled_from(['"abcdefgh\\000ij"', "a" * 5000, "zh-hans\\000", "../../", "x;y=z"]),
        st.text(
            st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,"\\'), max_size=40
        ),
    ),
    max_size=2,
)
HOSTILE_HEADERS = st.dictionaries(
    st.sampled_from(
        ["HTTP_ACCEPT_LANGUAGE", "HTTP_REFERER", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR", "HTTP_ORIGIN"]
    ),
    st.sampled_from(
        [
            "zh-hans;q=abc, *;q=",
            "x" * 5000,
            "\x00",
            "../../",
            "<script>xss_probe()</script>",
            "",
            "☃",
            "1.2.3",
        ]
    ),
    max_size=2,
)

METHODS = ("GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW")


# Request bodies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes
    content_type: str


HOSTILE_FILES = st.builds(
    HostileFile,
    name=st.one_of(
        st.sampled_from(
            [
                "photo.jpg",
                "invoice.pdf",
                "page.html",
                "image.svg",
                "shell.php",
                "../../../evil.txt",
                "..\\..\\evil.txt",
                "a\x00.jpg",
                "x" * 400 + ".png",
                ".htaccess",
                "",
                "发票.pdf",
                "\u202egnp.exe",
            ]
        ),
        hostile_text,
    ),
    content=st.sampled_from(
        [
            b"",
            b"<html><script>xss_probe()</script></html>",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="xss_probe()"/>',
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            b"GIF89a<script>xss_probe()</script>",
            b"%PDF-1.4\n%%EOF",
            b"\xff\xd8\xff" + b"\x00" * 32,
            b"PK\x03\x04" + b"\x00" * 64,
            b"<?php system($_GET['c']); ?>",
            bytes(range(256)),
        ]
    ),
    content_type=st.sampled_from(
        ["image/png", "image/jpeg", "text/html", "image/svg+xml", "application/octet-stream", "", "x/y\r\nz"]
    ),
)


def multipart_body(fields: list[tuple[str, str | HostileFile]], boundary: str) -> bytes:
    """A multipart/form-data body, built by hand so any string (even unencodable) can travel."""
    lines: list[bytes] = []
    for name, value in fields:
        lines.append(b"--" + boundary.encode())
        disposition = (
            b'Content-Disposition: form-data; name="' + encode_text(name).replace(b'"', b"%22") + b'"'
        )
        if isinstance(value, HostileFile):
            filename = encode_text(value.name).replace(b'"', b"%22").replace(b"\r", b"").replace(b"\n", b"")
            lines.append(disposition + b'; filename="' + filename + b'"')
            lines.append(b"Content-Type: " + encode_text(value.content_type or "application/octet-stream"))
            lines.append(b"")
            lines.append(value.content)
        else:
            lines.append(disposition)
            lines.append(b"")
            lines.append(encode_text(value))
    lines.append(b"--" + boundary.encode() + b"--")
    lines.append(b"")
    return b"\r\n".join(lines)


JUNK_BODIES = st.sampled_from(
    [
        ("multipart/form-data", b"--x\r\nnot really\r\n"),
        ("multipart/form-data; boundary=", b"junk"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"),
        ("multipart/form-data; boundary=abc", b"--abc\r\n" * 2000),
        ("application/x-www-form-urlencoded", b"%%%&=&=%zz"),
        ("application/x-www-form-urlencoded", b"a=" + b"\xff\xfe" * 100),
        ("application/json", b'{"variant": "\\ud800", "quantity": 1e999}'),
        ("application/json", b"{not json"),
        ("text/plain", b"\x00\x01\x02"),
        (
            "application/xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        ),
        ("", b""),
    ]
)


# URL patterns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, as a template with %(name)s holes and each hole's converter."""

    template: str
    converters: tuple[tuple[str, str], ...]
    admin: bool
    admin_prefix: str = "admin/"

    @property
    def thorough(self) -> bool:
        """Whether Hypothesis explores beyond the explicit probes.

        Everything but Django's generic ModelAdmin pages of other apps' models, and the
        trivial ones (object redirect, history) of ours: the same code, probed already.
        """
        if not self.admin:
            return True
        parts = self.template.removeprefix(self.admin_prefix).split("/")
        if len(parts) < 3 or parts[0] not in PROJECT_APPS:
            return len(parts) < 3
        return not (parts[-2] == "history" or parts[-2:] == ["%(object_id)s", ""])

    @property
    def label(self) -> str:
        holes = dict(self.converters)
        text = self.template
        for name, kind in holes.items():
            text = text.replace(f"%({name})s", f"<{kind}:{name}>")
        return "/" + text

    def url(self, values: dict[str, str]) -> str:
        path = self.template
        for name, kind in self.converters:
            path = path.replace(
                f"%({name})s", quote_component(values[name], safe="/" if kind == "path" else "")
            )
        return "/" + path


def _converter_kind(pattern, name: str) -> str:
    converter = getattr(pattern, "converters", {}).get(name)
    if converter is None:
        return "regex"
    kind = type(converter).__name__.removesuffix("Converter").lower()
    return {"string": "str"}.get(kind, kind)


PROJECT_APPS = ("shop", "catalog", "cart", "orders", "support")


def routes() -> list[Route]:
    """Every URL pattern reachable from ROOT_URLCONF, nested includes and the admin included."""
    found: dict[str, Route] = {}
    admin_prefix = getattr(settings, "ADMIN_URL", "admin/")

    def walk(resolver: URLResolver, prefix: str, converters: tuple[tuple[str, str], ...]) -> None:
        for entry in resolver.url_patterns:
            template, params = normalize(entry.pattern.regex.pattern)[0]
            kinds = converters + tuple((name, _converter_kind(entry.pattern, name)) for name in params)
            if isinstance(entry, URLResolver):
                walk(entry, prefix + template, kinds)
            elif isinstance(entry, URLPattern):
                route = Route(
                    template=prefix + template,
                    converters=kinds,
                    admin=prefix.startswith(admin_prefix),
                    admin_prefix=admin_prefix,
                )
                found.setdefault(route.template, route)

    walk(get_resolver(), "", ())
    return sorted(found.values(), key=lambda route: route.template)


def admin_pages(*, keep_pk: int) -> list[str]:
    """Every registered model's changelist and add page, and change and delete of its first row
    (never the row ``keep_pk``, the signed-in staff member)."""
    pages = []
    for model in admin.site._registry:
        base = f"/{settings.ADMIN_URL}{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}add/"]
        instance = model._default_manager.exclude(pk=keep_pk).order_by("pk").first()
        if instance is not None:
            pages += [f"{base}{instance.pk}/change/", f"{base}{instance.pk}/delete/"]
    return pages


# Forms found in pages ---------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea"
    values: list[str] = field(default_factory=list)  # current value / the options offered


@dataclass
class PageForm:
    page: str
    method: str
    action: str
    multipart: bool
    fields: list[FormField]

    @property
    def key(self) -> tuple:
        return (self.method, self.action, tuple(sorted({f.name for f in self.fields})))

    def label(self) -> str:
        names = ",".join(sorted({f.name for f in self.fields if f.name != "csrfmiddlewaretoken"}))
        return f"{self.method} {self.action} [{names[:80]}]"


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = attr.get("action") or self.page
            parts = urlsplit(action)
            if parts.netloc:
                return
            if not parts.path.startswith("/"):
                base = urlsplit(self.page).path
                action = base.rsplit("/", 1)[0] + "/" + action
            self._form = PageForm(
                page=self.page,
                method=(attr.get("method") or "get").upper(),
                action=action,
                multipart="multipart" in attr.get("enctype", ""),
                fields=[],
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select.values.append(attr.get("value", ""))
        elif self._form is None or not attr.get("name"):
            return
        elif tag in ("input", "button"):
            kind = attr.get("type", "text" if tag == "input" else "submit").lower()
            self._form.fields.append(FormField(attr["name"], kind, [attr.get("value", "")]))
        elif tag == "select":
            self._select = FormField(attr["name"], "select", [])
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = FormField(attr["name"], "textarea", [""])
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(page: str, html: str) -> list[PageForm]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


# Data that invalid input must leave alone -------------------------------------------------------

# The domain's tables. Bookkeeping that any request may touch (sessions, rate-limit counters,
# sign-in attempt logs) is left out on purpose.
FINGERPRINTED_MODELS = (
    "shop.User",
    "catalog.Category",
    "catalog.Product",
    "catalog.Variant",
    "catalog.ProductImage",
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


def new_boundary() -> str:
    return "hostile" + uuid.uuid4().hex
