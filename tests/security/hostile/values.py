"""Hostile values for the walk: strings, parameter names, query strings, cookies, headers and methods.

Each is a constant for explicit probes or a Hypothesis strategy that draws from it.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

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
