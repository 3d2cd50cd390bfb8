"""The embedded PostgreSQL asks every connection for a password and keeps its socket to itself."""

import shutil
import stat
import tempfile
from pathlib import Path

import psycopg
import pytest

from shop.embedded_db import PASSWORD_FILE_NAME, database_settings, stop


@pytest.fixture
def long_pgdata():
    """A data folder whose path is too long for a socket: pgserver then puts the socket elsewhere."""
    root = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))
    pgdata = (
        root / ("a-folder-name-long-enough-to-push-the-socket-path-past-its-limit-" + "x" * 30) / "postgres"
    )
    yield pgdata
    stop(pgdata)
    shutil.rmtree(root, ignore_errors=True)


def test_a_new_embedded_server_asks_for_the_password_and_hides_its_socket(long_pgdata):
    settings = database_settings(long_pgdata)

    socket_dir = Path(settings["HOST"])
    password_file = long_pgdata.parent / PASSWORD_FILE_NAME
    assert socket_dir != long_pgdata
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password_file.read_text().strip() == settings["PASSWORD"]
    rules = [line.split() for line in (long_pgdata / "pg_hba.conf").read_text().splitlines()]
    assert {rule[-1] for rule in rules if rule and not rule[0].startswith("#")} == {"scram-sha-256"}
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=settings["HOST"], port=settings["PORT"], user="postgres", dbname="shop").close()
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user="postgres",
        password=settings["PASSWORD"],
        dbname="shop",
    ) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    assert database_settings(long_pgdata) == settings  # found again, running, unchanged
