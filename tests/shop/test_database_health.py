"""The per-request database health check: no round trip while the connection is sound."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def other_connection() -> psycopg.Connection:
    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


def last_query_of(pid: int) -> str | None:
    """What the server last ran for that backend; None once the backend is gone."""
    with other_connection() as observer:
        row = observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row[0] if row else None


def test_a_sound_idle_connection_passes_the_check_without_asking_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'before the check'")
    pid = connection.connection.info.backend_pid
    connection.health_check_done = False

    connection.close_if_health_check_failed()

    assert connection.connection is not None
    assert connection.health_check_done
    assert last_query_of(pid) == "SELECT 'before the check'"


def test_a_connection_the_server_closed_is_replaced_before_the_next_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pid = connection.connection.info.backend_pid
    with other_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while last_query_of(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    connection.health_check_done = False

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        new_pid = cursor.fetchone()[0]

    assert new_pid != pid


def test_a_connection_inside_a_transaction_is_checked_by_the_server():
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    connection.connection.execute("SELECT 'inside'")
    pid = connection.connection.info.backend_pid
    connection.health_check_done = False

    connection.close_if_health_check_failed()
    query = last_query_of(pid)
    connection.connection.execute("ROLLBACK")

    assert query == "SELECT 1"
