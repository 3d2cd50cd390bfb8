"""Database outages against real processes: 503 from /healthz, the error page, no hang, recovery.

The outage is real: a throwaway PostgreSQL of our own (pgserver, in a short
/tmp path for its socket) is stopped and started again under a running shop.
The suite's own database server is never touched.
"""

import json
import os
import shutil
import socket
import tempfile
import time
import warnings
from pathlib import Path

import pytest
from django.db import connection

from tests.helpers import LocalSmtpServer
from tests.resilience.helpers import DbWorker, Gunicorn, http_get, manage, shop_environment, wait_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgserver
    from pgserver import _commands as pg_commands

# Generous bounds: the point is "answers in seconds", not "hangs until a proxy gives up".
ANSWER_SECONDS = 8


class ThrowawayPostgres:
    """A PostgreSQL server of its own in a fresh /tmp folder, deleted afterwards."""

    def __init__(self) -> None:
        # The Unix socket lives in the data folder; its path must stay short (~100 bytes).
        self.pgdata = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))
        self.server = pgserver.get_server(self.pgdata, cleanup_mode="delete")
        info = self.server.get_postmaster_info()
        self.socket_dir, self.port = str(info.socket_dir), int(info.port)

    def _pg_ctl(self, *arguments: str) -> None:
        pg_commands.pg_ctl(list(arguments), pgdata=self.pgdata, user=self.server.system_user, timeout=60)

    def create_database(self, name: str) -> str:
        """Create a database; its DATABASE_URL."""
        self.server.psql(f'CREATE DATABASE "{name}";')
        return f"postgres://postgres@:{self.port}/{self.socket_dir}/{name}"

    def stop(self) -> None:
        """Stop the server now, cutting every connection (as a crash or failover would)."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        """Start it again on the same socket, as pgserver first did."""
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")

    def remove(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.pgdata, ignore_errors=True)


@pytest.fixture
def throwaway_postgres():
    database = ThrowawayPostgres()
    try:
        yield database
    finally:
        database.remove()


def test_database_outage_turns_healthz_503_and_pages_into_the_error_page_then_recovers(
    throwaway_postgres, tmp_path
):
    environment = shop_environment(
        database_url=throwaway_postgres.create_database("shopdb"), media_root=tmp_path / "media"
    )
    manage("migrate", "--noinput", "-v", "0", environment=environment)
    web = Gunicorn(environment=environment)
    try:
        web.wait_until_healthy()
        before = (http_get(f"{web.url}/healthz").status, http_get(f"{web.url}/products/").status)

        throwaway_postgres.stop()
        health_down = http_get(f"{web.url}/healthz", timeout=30)
        page_down = http_get(f"{web.url}/products/", timeout=30)
        throwaway_postgres.start()
        health_back = http_get(f"{web.url}/healthz", timeout=30)
        page_back = http_get(f"{web.url}/products/", timeout=30)
    finally:
        web.stop()
    request_lines = [json.loads(line) for line in web.output().splitlines() if '"event": "request"' in line]

    assert before == (200, 200)
    assert health_down.status == 503
    assert health_down.seconds < ANSWER_SECONDS
    assert health_down.body == "database unavailable\n"
    assert page_down.status == 500
    assert page_down.seconds < ANSWER_SECONDS
    assert "Something went wrong" in page_down.body
    assert "Traceback" not in page_down.body
    assert "OperationalError" not in page_down.body
    assert (health_back.status, page_back.status) == (200, 200)
    # The request log kept working through the outage, one JSON line per request.
    error_line = next(
        line for line in request_lines if line["request_id"] == page_down.headers["X-Request-ID"]
    )
    assert (error_line["path"], error_line["status"], error_line["level"]) == ("/products/", 500, "ERROR")


SIGN_UP = (
    "from accounts.services import user_sign_up; "
    "user_sign_up(email='ben@example.com', password='a-long-pass-phrase', full_name='Ben', language='en')"
)


def test_a_task_worker_stops_at_once_in_an_outage_and_a_restarted_one_sends_mail_again(
    throwaway_postgres, tmp_path
):
    # db_worker does not wait out an outage: it exits with an error, and its
    # supervisor (systemd Restart=always, a container restart policy) starts
    # it again. What matters: it neither hangs nor loses the queue.
    smtp = LocalSmtpServer()
    smtp.start()
    environment = shop_environment(
        database_url=throwaway_postgres.create_database("shopdb"),
        media_root=tmp_path / "media",
        smtp_port=smtp.port,
    )
    manage("migrate", "--noinput", "-v", "0", environment=environment)
    worker = DbWorker(environment=environment)
    restarted = None
    try:
        wait_for(lambda: "Starting worker" in worker.output(), seconds=30, message=worker.output)
        time.sleep(1)  # polling the queue now

        throwaway_postgres.stop()
        stopped_at = time.monotonic()
        wait_for(lambda: worker.process.poll() is not None, seconds=30, message=worker.output)
        exited_after = time.monotonic() - stopped_at
        throwaway_postgres.start()
        restarted = DbWorker(environment=environment)
        manage("shell", "-c", SIGN_UP, environment=environment)
        wait_for(lambda: len(smtp.messages) >= 1, seconds=30, message=restarted.output)
        time.sleep(1)
    finally:
        worker.stop()
        if restarted is not None:
            restarted.stop()
        smtp.stop()

    assert worker.process.returncode != 0
    assert exited_after < ANSWER_SECONDS
    assert [message["To"] for message in smtp.messages] == ["ben@example.com"]


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def silent_database_port():
    """A TCP port that accepts connections and never says a word (a hung server or a black hole)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_a_database_that_never_answers_gives_503_after_the_connect_timeout_not_a_hang(
    silent_database_port, tmp_path
):
    environment = shop_environment(
        database_url=f"postgres://postgres@127.0.0.1:{silent_database_port}/shopdb",
        media_root=tmp_path / "media",
        DATABASE_CONNECT_TIMEOUT="2",
    )
    web = Gunicorn(environment=environment)
    try:
        # gunicorn starts without the database; wait until it listens at all.
        wait_for(lambda: _listening(web.port), seconds=60, message=web.output)
        health = http_get(f"{web.url}/healthz", timeout=30)
        page = http_get(f"{web.url}/products/", timeout=30)
    finally:
        web.stop()

    assert health.status == 503
    assert health.seconds < ANSWER_SECONDS
    assert page.status == 500
    assert page.seconds < ANSWER_SECONDS


@pytest.mark.django_db
def test_every_connection_has_statement_lock_and_idle_transaction_timeouts():
    names = {
        "statement_timeout": ("DATABASE_STATEMENT_TIMEOUT_MS", 30000),
        "lock_timeout": ("DATABASE_LOCK_TIMEOUT_MS", 10000),
        "idle_in_transaction_session_timeout": ("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60000),
    }

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting::int FROM pg_settings WHERE name = ANY(%s)", [list(names)])
        values = dict(cursor.fetchall())

    expected = {name: int(os.environ.get(variable, default)) for name, (variable, default) in names.items()}
    assert values == expected
    assert all(values.values())
