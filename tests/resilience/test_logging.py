"""Structured logs: a line per request with its id, order status changes, staff sign-ins."""

import json
import logging
import re
import sys
import uuid

import pytest

from orders.exceptions import InvalidTransition
from orders.services import order_mark_paid, order_place, order_ship
from shop.logging import JsonFormatter, KeyValueFormatter, RequestIdFilter, request_id_var
from tests.factories import CarrierFactory, OrderFactory, StaffUserFactory, UserFactory, VariantFactory
from tests.orders.helpers import cart_with, checkout_data

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def records_of(caplog, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


def one_request_record(caplog) -> logging.LogRecord:
    records = [record for record in records_of(caplog, "shop.request") if record.event == "request"]
    assert len(records) == 1
    return records[0]


# One line per request


def test_each_request_is_logged_once_with_a_fresh_id_that_the_response_echoes(client, caplog):
    caplog.set_level(logging.INFO)

    response = client.get("/healthz?secret=do-not-log")

    record = one_request_record(caplog)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert record.request_id == response["X-Request-ID"]
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/healthz", 200, None)
    assert isinstance(record.duration_ms, float)
    assert record.duration_ms >= 0
    assert record.getMessage().startswith("GET /healthz 200 ")
    assert "do-not-log" not in record.getMessage()


def test_a_well_formed_incoming_request_id_is_kept(client, caplog):
    caplog.set_level(logging.INFO)
    incoming = str(uuid.uuid4())

    response = client.get("/healthz", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] == incoming
    assert one_request_record(caplog).request_id == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "has spaces in it",
        "line\nbreak-injected-1234",
        "x" * 200,
        "-starts-with-dash",
        "ünïcode-id-1234",
    ],
)
def test_a_malformed_incoming_request_id_is_replaced(client, caplog, incoming):
    caplog.set_level(logging.INFO)

    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert one_request_record(caplog).request_id == response["X-Request-ID"]


def test_the_signed_in_users_id_and_the_status_of_a_missing_page_are_logged(client, caplog):
    user = UserFactory()
    client.force_login(user)
    caplog.set_level(logging.INFO)

    client.get("/products/no-such-product/")

    record = one_request_record(caplog)
    assert (record.status, record.user_id) == (404, user.pk)


def test_password_reset_tokens_in_the_path_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO)

    client.get("/account/password/reset/MQ/c0nfidential-token-123/")

    record = one_request_record(caplog)
    assert record.path == "/account/password/reset/[redacted]/[redacted]/"
    assert "c0nfidential" not in record.getMessage()


def test_lines_logged_while_serving_a_request_carry_its_id():
    record = logging.LogRecord("orders.tasks", logging.WARNING, __file__, 1, "a warning", None, None)
    token = request_id_var.set("req-1234abcd")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    outside = logging.LogRecord("orders.tasks", logging.WARNING, __file__, 1, "a warning", None, None)
    RequestIdFilter().filter(outside)

    assert record.request_id == "req-1234abcd"
    assert not hasattr(outside, "request_id")


# Formats


def make_record(message: str, **extra) -> logging.LogRecord:
    record = logging.LogRecord("shop.request", logging.INFO, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_the_json_format_is_one_object_per_line_with_the_extra_fields():
    record = make_record(
        "GET /\nforged 200", request_id="abc12345", status=200, duration_ms=1.5, user_id=None
    )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    fields = json.loads(line)
    assert list(fields)[:4] == ["time", "level", "logger", "message"]
    assert fields["level"] == "INFO"
    assert fields["logger"] == "shop.request"
    assert fields["message"] == "GET /\nforged 200"
    assert (fields["request_id"], fields["status"], fields["duration_ms"], fields["user_id"]) == (
        "abc12345",
        200,
        1.5,
        None,
    )
    assert fields["time"].endswith("+00:00")


def test_the_json_format_includes_the_traceback_of_an_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "shop.request", logging.ERROR, __file__, 1, "failed", None, exc_info=sys.exc_info()
        )

    fields = json.loads(JsonFormatter().format(record))

    assert "ValueError: boom" in fields["exception"]


def test_the_text_format_is_key_value_with_quoted_values_where_needed():
    record = make_record("GET / 200", request_id="abc12345", path="/a b", status=200, user_id=None)

    line = KeyValueFormatter().format(record)

    assert line.endswith(
        ' INFO shop.request "GET / 200" request_id=abc12345 path="/a b" status=200 user_id=null'
    )


# Order status changes


def test_every_order_status_change_is_logged_with_number_states_and_actor(
    caplog, django_capture_on_commit_callbacks
):
    staff = StaffUserFactory()
    order = OrderFactory()
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1", actor=staff)

    records = records_of(caplog, "orders.services")
    assert [(r.event, r.order_number, r.from_state, r.to_state, r.actor_id) for r in records] == [
        ("order.status_changed", order.number, "unpaid", "paid", staff.pk),
        ("order.status_changed", order.number, "unfulfilled", "shipped", staff.pk),
    ]
    assert records[0].getMessage() == f"order {order.number} paid: unpaid -> paid"


def test_a_placed_order_is_logged_and_a_refused_change_is_not(caplog, django_capture_on_commit_callbacks):
    variant = VariantFactory(stock=3)
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")

    records = records_of(caplog, "orders.services")
    assert [(r.kind, r.order_number, r.from_state, r.to_state, r.actor_id) for r in records] == [
        ("placed", order.number, "", order.display_status, None)
    ]


# Sign-ins


def test_a_staff_login_is_logged_with_the_user_id(client, caplog):
    staff = StaffUserFactory(email="boss@example.com")
    caplog.set_level(logging.INFO)

    client.post("/admin/login/", {"username": "boss@example.com", "password": PASSWORD})

    records = records_of(caplog, "shop.auth")
    assert [(r.event, r.user_id, r.remote_addr) for r in records] == [
        ("auth.staff_login", staff.pk, "127.0.0.1")
    ]


def test_a_customer_login_is_not_in_the_staff_log(client, caplog):
    UserFactory(email="ann@example.com")
    caplog.set_level(logging.INFO)

    response = client.post("/account/login/", {"username": "ann@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert records_of(caplog, "shop.auth") == []


def test_a_failed_login_is_logged_with_the_address_but_never_the_password(client, caplog):
    StaffUserFactory(email="boss@example.com")
    caplog.set_level(logging.INFO)

    client.post("/account/login/", {"username": "boss@example.com", "password": "Wrong-Secret-42"})

    records = records_of(caplog, "shop.auth")
    assert [(r.event, r.login, r.path) for r in records] == [
        ("auth.login_failed", "boss@example.com", "/account/login/")
    ]
    assert "Wrong-Secret-42" not in JsonFormatter().format(records[0])
    assert "Wrong-Secret-42" not in caplog.text


def test_a_password_typed_into_the_email_field_is_not_logged(client, caplog):
    caplog.set_level(logging.INFO)

    client.post("/account/login/", {"username": "Hunter2-Secret", "password": "x"})

    records = records_of(caplog, "shop.auth")
    assert [(r.event, r.login) for r in records] == [("auth.login_failed", None)]
    assert "Hunter2-Secret" not in caplog.text
