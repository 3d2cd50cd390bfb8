"""Hostile submissions of every form the pages show, as anonymous, customer and staff.

Forms are found by fetching seed pages (and every admin page) and parsing their HTML. Each
submission must answer below 500, never reflect markup unescaped, leave the data alone unless it
redirected, and be refused without a valid CSRF token when the check is enforced. Every form first
gets the same explicit probes, then Hypothesis explores (``HYPOTHESIS_PROFILE=deep`` goes further).
"""

import secrets
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from tests.security.hostile.bodies import HOSTILE_FILES, HostileFile, multipart_body, new_boundary
from tests.security.hostile.checks import Outcome, check_outcome, collect_failures, data_fingerprint, send
from tests.security.hostile.clients import ClientPool
from tests.security.hostile.html_forms import PageForm, page_forms
from tests.security.hostile.profiles import profile
from tests.security.hostile.routes import PROJECT_APPS, admin_pages
from tests.security.hostile.values import XSS_PROBES, hostile_text, parameter_name, urlencode_pairs

pytestmark = pytest.mark.django_db(transaction=True)


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
    return len(parts) < 3 or parts[0] in PROJECT_APPS


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
        Submission(every(("hostile", XSS_PROBES[1])), csrf="valid", enforce_csrf=True),
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
    # Outside a multipart body, a file travels as its name.
    pairs = [(name, value.name if isinstance(value, HostileFile) else value) for name, value in fields]
    action, _, action_query = form.action.partition("?")
    if form.method == "GET":
        query = "&".join(part for part in (action_query, urlencode_pairs(pairs)) if part)
        return send(client, method="GET", path=action, query=query), f"{role} GET {action}"
    if form.multipart or submission.as_multipart:
        boundary = new_boundary()
        body, content_type = multipart_body(fields, boundary), f"multipart/form-data; boundary={boundary}"
    else:
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
    return profile(explore=_form_thorough(form))(test)


def _walk_forms(pool: ClientPool, role: str, forms: list[PageForm]) -> list[str]:
    return collect_failures(
        forms,
        check=lambda form: _form_property(pool, role, form)(),
        label=lambda form: f"{form.label()} (from {form.page})",
    )


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
