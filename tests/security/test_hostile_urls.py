"""Hostile requests to every URL pattern, as anonymous, customer and staff.

Each request must answer below 500, never reflect markup unescaped, and, unless it redirected
(our views redirect after a successful POST), leave every row of the project's tables as it was.
Every URL first gets the same explicit probes (NUL, lone surrogates, traversal, injection, huge
values, a forged session cookie, a missing CSRF token), then Hypothesis explores: the default
profile is bounded and deterministic for CI, ``HYPOTHESIS_PROFILE=deep`` goes further.
"""

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from tests.security.hostile.bodies import (
    HOSTILE_FILES,
    JUNK_BODIES,
    HostileFile,
    multipart_body,
    new_boundary,
)
from tests.security.hostile.checks import (
    REDIRECTS,
    Outcome,
    check_outcome,
    collect_failures,
    data_fingerprint,
    send,
)
from tests.security.hostile.clients import ClientPool
from tests.security.hostile.profiles import profile
from tests.security.hostile.routes import routes as project_routes
from tests.security.hostile.values import (
    HOSTILE_COOKIES,
    HOSTILE_HEADERS,
    METHODS,
    hostile_text,
    parameter_name,
    query_string,
    urlencode_pairs,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = project_routes()
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORGED_SESSION = {"sessionid": '"abcdefgh\\000ij"'}


def _raw_cookie_header(client: Client, cookies: dict[str, str]) -> str:
    # Raw, so quoted octal escapes such as "\000" reach Django's cookie parser as written.
    own = [f"{morsel.key}={morsel.coded_value}" for morsel in client.cookies.values()]
    return "; ".join([*own, *(f"{name}={value}" for name, value in cookies.items())])


@dataclass(frozen=True)
class RequestSpec:
    role: str
    values: dict[str, str]
    method: str = "GET"
    query: str = ""
    enforce_csrf: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    body: tuple[str, str | HostileFile] | tuple = ()
    body_kind: str = "none"  # "urlencoded", "multipart", "junk" (body is then (content_type, bytes))


def _known_values(world) -> list[str]:
    ids = {
        world.customer.pk,
        world.staff.pk,
        world.category.pk,
        world.product.pk,
        world.variant.pk,
        world.order.pk,
        world.ticket.pk,
        world.message.pk,
        world.attachment.pk,
    }
    names = [world.product.slug, world.category.slug, world.order.number, "support", "catalog", "shop"]
    return [*map(str, sorted(ids)), *names]


def _path_value(kind: str, known: list[str]):
    if kind == "int":
        extra = st.integers(min_value=-(10**25), max_value=10**25).map(str)
    elif kind == "slug":
        extra = st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True)
    else:
        extra = hostile_text
    return st.one_of(st.sampled_from(known), extra, hostile_text)


@st.composite
def _request_specs(draw, route, roles: tuple[str, ...], known: list[str]) -> RequestSpec:
    method = draw(st.sampled_from(METHODS))
    body_kind = (
        draw(st.sampled_from(["urlencoded", "multipart", "junk"])) if method in UNSAFE_METHODS else "none"
    )
    if body_kind == "junk":
        body = draw(JUNK_BODIES)
    elif body_kind == "multipart":
        body = tuple(
            draw(st.lists(st.tuples(parameter_name, st.one_of(hostile_text, HOSTILE_FILES)), max_size=6))
        )
    else:
        body = tuple(draw(st.lists(st.tuples(parameter_name, hostile_text), max_size=8)))
    return RequestSpec(
        role=draw(st.sampled_from(roles)),
        values={name: draw(_path_value(kind, known)) for name, kind in route.converters},
        method=method,
        query=draw(st.one_of(st.just(""), query_string)),
        enforce_csrf=draw(st.booleans()),
        headers=draw(st.one_of(st.just({}), HOSTILE_HEADERS)),
        cookies=draw(st.one_of(st.just({}), HOSTILE_COOKIES)),
        body=body,
        body_kind=body_kind,
    )


def _probes(route, roles: tuple[str, ...]) -> list[RequestSpec]:
    """The explicit probes every route gets, whatever Hypothesis draws besides."""
    signed_in = roles[-1]

    def values(value: str) -> dict[str, str]:
        return {name: value for name, _ in route.converters}

    multipart = (
        ("variant", "\x00"),
        ("quantity", "9" * 40),
        ("q", "\ud800"),
        ("file", HostileFile("a.svg", b"<svg/>", "image/svg+xml")),
    )
    return [
        RequestSpec(roles[0], values("a\x00b"), query="q=%00&page=%00"),
        RequestSpec(signed_in, values("\ud800x"), query="q=%ed%a0%80&sort=%ff"),
        RequestSpec(signed_in, values("../../../../etc/passwd"), query="next=//evil.example.com/&o=-999"),
        RequestSpec(roles[0], values("' OR '1'='1"), query="q=%3Cscript%3Exss_probe()%3C/script%3E&e=1"),
        RequestSpec(signed_in, values("9" * 30), query="&".join(f"f{n}=1" for n in range(1500))),
        RequestSpec(signed_in, values("1"), cookies=FORGED_SESSION, headers={"HTTP_ACCEPT_LANGUAGE": "\x00"}),
        RequestSpec(signed_in, values("1"), method="POST", body=multipart, body_kind="multipart"),
        RequestSpec(
            signed_in,
            values("1"),
            method="POST",
            enforce_csrf=True,
            body=(("q", "x"),),
            body_kind="urlencoded",
        ),
        RequestSpec(
            roles[0], values("1"), method="PUT", body=("application/json", b"{not json"), body_kind="junk"
        ),
    ]


def _send_spec(client: Client, route, spec: RequestSpec) -> tuple[Outcome, str]:
    headers = dict(spec.headers)
    if spec.cookies:
        headers["HTTP_COOKIE"] = _raw_cookie_header(client, spec.cookies)
    if spec.body_kind == "junk":
        content_type, body = spec.body
    elif spec.body_kind == "multipart":
        boundary = new_boundary()
        content_type, body = (
            f"multipart/form-data; boundary={boundary}",
            multipart_body(list(spec.body), boundary),
        )
    elif spec.body_kind == "urlencoded":
        content_type, body = (
            "application/x-www-form-urlencoded",
            urlencode_pairs(list(spec.body)).encode("ascii"),
        )
    else:
        content_type, body = "", b""
    path = route.url(spec.values)
    outcome = send(
        client,
        method=spec.method,
        path=path,
        query=spec.query,
        body=body,
        content_type=content_type,
        headers=headers,
    )
    return outcome, f"{spec.role} {spec.method} {path}"


def _route_property(pool: ClientPool, route, roles: tuple[str, ...], known: list[str]):
    def hostile_request(spec: RequestSpec) -> None:
        client = pool.get(spec.role, enforce_csrf=spec.enforce_csrf)
        before = data_fingerprint()

        outcome, what = _send_spec(client, route, spec)

        check_outcome(outcome, before=before, after=data_fingerprint(), what=what)
        if spec.enforce_csrf and spec.method in UNSAFE_METHODS and outcome.status < 400:
            # Without a CSRF token, only redirects (the admin sending anonymous users to its login) pass.
            assert outcome.status in REDIRECTS, f"{what} without a CSRF token answered {outcome.status}"

    test = given(spec=_request_specs(route, roles, known))(hostile_request)
    for probe in _probes(route, roles):
        test = example(spec=probe)(test)
    return profile(explore=route.thorough)(test)


def _walk_routes(world, routes: list, roles: tuple[str, ...]) -> list[str]:
    """Run the property on each route; return every route's failure, not just the first."""
    known = _known_values(world)
    pool = ClientPool(world)
    return collect_failures(
        routes,
        check=lambda route: _route_property(pool, route, roles, known)(),
        label=lambda route: route.label,
    )


def test_every_storefront_url_survives_hostile_requests(world):
    routes = [route for route in ROUTES if not route.admin]

    failures = _walk_routes(world, routes, ("anonymous", "customer"))

    assert not failures, "\n\n".join(failures)


def test_every_admin_url_survives_hostile_requests(world):
    routes = [route for route in ROUTES if route.admin]

    failures = _walk_routes(world, routes, ("anonymous", "customer", "staff"))

    assert not failures, "\n\n".join(failures)


def test_the_walk_covers_every_url_pattern():
    labels = {route.label for route in ROUTES}

    assert {
        "/",
        "/products/<slug:slug>/",
        "/orders/<str:number>/",
        "/account/password/reset/<str:uidb64>/<str:token>/",
        f"/{settings.ADMIN_URL}support/ticket/<int:ticket_id>/attachments/<int:attachment_id>/",
        f"/{settings.ADMIN_URL}<regex:url>",
        "/cart/add/",
        "/checkout/",
        "/support/",
        "/i18n/setlang/",
    } <= labels
    assert len(labels) >= 60
