"""Hostile input everywhere: every URL pattern and every form, as anonymous, customer and staff.

Each request must answer below 500, never reflect markup unescaped, and, unless it redirected
(our views redirect after a successful POST), leave every row of the project's tables as it was.
Every URL and form first gets the same explicit probes (NUL, lone surrogates, traversal,
injection, huge values, a forged session cookie, a missing CSRF token), then Hypothesis explores:
the default profile is bounded and deterministic for CI, ``HYPOTHESIS_PROFILE=deep`` goes further.
"""

import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from tests.helpers import staff_login
from tests.security import hostile
from tests.security.hostile import (
    HOSTILE_COOKIES,
    HOSTILE_FILES,
    HOSTILE_HEADERS,
    JUNK_BODIES,
    METHODS,
    REDIRECTS,
    HostileFile,
    Outcome,
    PageForm,
    admin_pages,
    check_outcome,
    data_fingerprint,
    hostile_text,
    multipart_body,
    new_boundary,
    page_forms,
    parameter_name,
    query_string,
    send,
    urlencode_pairs,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = hostile.routes()
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORGED_SESSION = {"sessionid": '"abcdefgh\\000ij"'}


class ClientPool:
    """Clients signed in as each role, with fresh cookies for every request.

    Clients (whose handler loads every middleware, WhiteNoise's file scan included) and signed-in
    sessions are reused while they last: building either costs more than a request.
    """

    def __init__(self, world) -> None:
        self.world = world
        self._clients: dict[bool, Client] = {}
        self._sessions: dict[str, str] = {}

    def get(self, role: str, *, enforce_csrf: bool = False) -> Client:
        client = self._clients.get(enforce_csrf)
        if client is None:
            client = Client(raise_request_exception=False, enforce_csrf_checks=enforce_csrf)
            self._clients[enforce_csrf] = client
        client.cookies = SimpleCookie()
        if role == "anonymous":
            return client
        key = self._sessions.get(role)
        if key is None or not Session.objects.filter(session_key=key).exists():
            if role == "customer":
                client.force_login(self.world.customer)
            else:
                staff_login(client, self.world.staff)
            self._sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client


def _raw_cookie_header(client: Client, cookies: dict[str, str]) -> str:
    # Raw, so quoted octal escapes such as "\000" reach Django's cookie parser as written.
    own = [f"{morsel.key}={morsel.coded_value}" for morsel in client.cookies.values()]
    return "; ".join([*own, *(f"{name}={value}" for name, value in cookies.items())])


def _describe(error: BaseException) -> str:
    """The failure with Hypothesis's notes (the falsifying example), every one of a group."""
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in error.exceptions)
    notes = "\n".join(getattr(error, "__notes__", []))
    return f"{type(error).__name__}: {error}\n{notes}"


# URL patterns -----------------------------------------------------------------------------------


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
    return hostile.profile(explore=route.thorough)(test)


def _walk_routes(world, routes: list, roles: tuple[str, ...]) -> list[str]:
    """Run the property on each route; return every route's failure, not just the first."""
    known = _known_values(world)
    pool = ClientPool(world)
    failures = []
    for route in routes:
        try:
            _route_property(pool, route, roles, known)()
        except Exception as error:  # each carries Hypothesis's falsifying example in its notes
            failures.append(f"{route.label}: {_describe(error)}")
    return failures


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


# Forms ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """How to fill a form: per field "keep", "omit", ("hostile", text), ("twice", text) or a file."""

    choices: tuple
    csrf: str  # "valid", "missing" or a hostile token
    enforce_csrf: bool
    extra: tuple = ()
    as_multipart: bool = False


def _discover_forms(pool: ClientPool, role: str, pages: list[str]) -> list[PageForm]:
    client = pool.get(role)
    if role != "staff":
        client.post("/cart/add/", {"variant": pool.world.variant.pk, "quantity": 1})
    forms: dict[tuple, PageForm] = {}
    for page in pages:
        response = client.get(page, follow=True)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            final = response.redirect_chain[-1][0] if response.redirect_chain else page
            for form in page_forms(final, response.content.decode()):
                forms.setdefault(form.key, form)
    return list(forms.values())


def _fillable(form: PageForm) -> list:
    return [f for f in form.fields if f.name != "csrfmiddlewaretoken"]


@st.composite
def _submissions(draw, form: PageForm) -> Submission:
    choices = []
    for form_field in _fillable(form):
        if form_field.kind == "file":
            choices.append(draw(st.one_of(st.just("omit"), HOSTILE_FILES)))
            continue
        how = draw(st.sampled_from(["keep", "keep", "hostile", "hostile", "omit", "twice"]))
        if how == "keep" and len(form_field.values) > 1:
            # A choice the page offers (a real admin action, a country...), not always the first.
            choices.append(("hostile", draw(st.sampled_from(form_field.values))))
        else:
            choices.append(how if how in ("keep", "omit") else (how, draw(hostile_text)))
    return Submission(
        choices=tuple(choices),
        csrf=draw(st.one_of(st.sampled_from(["valid", "valid", "missing"]), hostile_text)),
        enforce_csrf=draw(st.booleans()),
        extra=draw(
            st.one_of(st.just(()), st.lists(st.tuples(parameter_name, hostile_text), max_size=3).map(tuple))
        ),
        as_multipart=draw(st.booleans()),
    )


def _form_thorough(form: PageForm) -> bool:
    """Ours get every probe and Hypothesis; other apps' admin forms (auth, axes, OTP) two probes."""
    admin_prefix = "/" + settings.ADMIN_URL
    if not form.action.startswith(admin_prefix):
        return True
    parts = form.action.removeprefix(admin_prefix).split("/")
    return len(parts) < 3 or parts[0] in hostile.PROJECT_APPS


def _form_probes(form: PageForm) -> list[Submission]:
    fields = _fillable(form)

    def every(value) -> tuple:
        return tuple(
            value if f.kind != "file" else HostileFile("x.html", b"<script>xss_probe()</script>", "text/html")
            for f in fields
        )

    # Hidden fields as given, every offered choice at its last option (a real admin action, say),
    # and every other field malformed: reaches code behind the choice with bad values.
    def last_choice(f) -> str | tuple:
        if f.kind == "file":
            return "omit"
        if f.kind == "hidden":
            return "keep"
        return ("hostile", f.values[-1] if f.kind == "select" and f.values else "abc")

    last_choices = tuple(last_choice(f) for f in fields)
    probes = [
        Submission(every("keep"), csrf="missing", enforce_csrf=True),
        Submission(last_choices, csrf="valid", enforce_csrf=False),
        Submission(every(("hostile", "a\x00b")), csrf="valid", enforce_csrf=False),
        Submission(every(("hostile", "\ud800")), csrf="valid", enforce_csrf=False, as_multipart=True),
        Submission(every(("hostile", hostile.XSS_PROBES[1])), csrf="valid", enforce_csrf=True),
        Submission(every(("hostile", "9" * 40)), csrf="valid", enforce_csrf=False),
        Submission(every(("twice", "-1")), csrf="valid", enforce_csrf=False),
        Submission(every("omit"), csrf="valid", enforce_csrf=False, extra=(("pk__in", "1,2"), ("o", "-0.0"))),
    ]
    return probes if _form_thorough(form) else probes[:3]


def _fields_of(
    form: PageForm, submission: Submission, csrf_secret: str
) -> list[tuple[str, str | HostileFile]]:
    fields: list[tuple[str, str | HostileFile]] = []
    if submission.csrf == "valid":
        fields.append(("csrfmiddlewaretoken", csrf_secret))
    elif submission.csrf != "missing":
        fields.append(("csrfmiddlewaretoken", submission.csrf))
    for form_field, how in zip(_fillable(form), submission.choices, strict=True):
        if how == "omit":
            continue
        if isinstance(how, HostileFile):
            fields.append((form_field.name, how))
        elif how == "keep":
            fields.append((form_field.name, form_field.values[0] if form_field.values else ""))
        else:
            kind, text = how
            if kind == "twice":
                fields.append((form_field.name, form_field.values[0] if form_field.values else ""))
            fields.append((form_field.name, text))
    return fields + list(submission.extra)


def _submit(client: Client, role: str, form: PageForm, submission: Submission) -> tuple[Outcome, str]:
    csrf_secret = secrets.token_hex(16)
    client.cookies["csrftoken"] = csrf_secret
    fields = _fields_of(form, submission, csrf_secret)
    action, _, action_query = form.action.partition("?")
    if form.method == "GET":
        pairs = [(name, value.name if isinstance(value, HostileFile) else value) for name, value in fields]
        query = "&".join(part for part in (action_query, urlencode_pairs(pairs)) if part)
        return send(client, method="GET", path=action, query=query), f"{role} GET {action}"
    if form.multipart or submission.as_multipart:
        boundary = new_boundary()
        body, content_type = multipart_body(fields, boundary), f"multipart/form-data; boundary={boundary}"
    else:
        pairs = [(name, value.name if isinstance(value, HostileFile) else value) for name, value in fields]
        body, content_type = urlencode_pairs(pairs).encode("ascii"), "application/x-www-form-urlencoded"
    outcome = send(
        client, method="POST", path=action, query=action_query, body=body, content_type=content_type
    )
    return outcome, f"{role} POST {form.action}"


def _form_property(pool: ClientPool, role: str, form: PageForm):
    def hostile_submission(submission: Submission) -> None:
        client = pool.get(role, enforce_csrf=submission.enforce_csrf)
        before = data_fingerprint()

        outcome, what = _submit(client, role, form, submission)

        check_outcome(outcome, before=before, after=data_fingerprint(), what=what)
        if form.method == "POST" and submission.enforce_csrf and submission.csrf != "valid":
            # Refused: by the CSRF check, or before it when the body is malformed (a part header too long).
            assert outcome.status in (400, 403), (
                f"{what} without a valid CSRF token answered {outcome.status}"
            )

    test = given(submission=_submissions(form))(hostile_submission)
    for probe in _form_probes(form):
        test = example(submission=probe)(test)
    return hostile.profile(explore=_form_thorough(form))(test)


def _walk_forms(pool: ClientPool, role: str, forms: list[PageForm]) -> list[str]:
    failures = []
    for form in forms:
        try:
            _form_property(pool, role, form)()
        except Exception as error:
            failures.append(f"{form.label()} (from {form.page}): {_describe(error)}")
    return failures


@pytest.mark.parametrize("role", ["anonymous", "customer"])
def test_every_storefront_form_survives_hostile_submissions(world, role):
    pool = ClientPool(world)
    forms = _discover_forms(pool, role, world.seed_pages()[role])
    assert len(forms) >= 5, [form.label() for form in forms]

    failures = _walk_forms(pool, role, forms)

    assert not failures, "\n\n".join(failures)


def test_every_admin_form_survives_hostile_submissions(world):
    pool = ClientPool(world)
    forms = _discover_forms(pool, "staff", world.seed_pages()["staff"] + admin_pages(keep_pk=world.staff.pk))
    assert len(forms) >= 10, [form.label() for form in forms]

    failures = _walk_forms(pool, "staff", forms)

    assert not failures, "\n\n".join(failures)
