"""The benchmark's database and its gunicorn server (127.0.0.1 only)."""

import http.client
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

HOST = "127.0.0.1"


def database_ensure() -> bool:
    """Create the benchmark database next to the shop's if it is missing; True if it was created.

    Connects to the shop's own database on the same server (it exists and our
    role may use it) to run CREATE DATABASE, which cannot run in a transaction.
    """
    default = connections[DEFAULT_DB_ALIAS]
    name = default.settings_dict["NAME"]
    params = {**default.get_connection_params(), "dbname": settings.SHOP_DATABASE_NAME}
    with psycopg.connect(**params, autocommit=True) as maintenance:
        if maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def http_status(port: int, path: str, timeout: float = 10.0) -> int:
    """The status of one GET, redirects not followed; 0 when nothing answers."""
    client = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        client.request("GET", path)
        return client.getresponse().status
    except OSError:
        return 0
    finally:
        client.close()


def _gunicorn() -> str:
    beside_python = Path(sys.executable).parent / "gunicorn"
    found = str(beside_python) if beside_python.exists() else shutil.which("gunicorn")
    if not found:
        raise RuntimeError("gunicorn is not installed: run `make install`.")
    return found


@contextmanager
def gunicorn_running(
    *,
    environment: dict[str, str],
    workers: int = 2,
    startup_seconds: float = 60.0,
    app: str = "shop.wsgi:application",
    health_path: str = "/healthz",
) -> Iterator[int]:
    """Run gunicorn (sync workers) serving ``app`` on a free local port until the block ends; yields the port.

    Waits until ``health_path`` answers 200. Always stops the server, also on errors
    and Ctrl-C; raises RuntimeError with gunicorn's output if it cannot start.
    """
    port = free_port()
    command = [
        _gunicorn(),
        app,
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--no-control-socket",
        "--log-level=warning",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=environment, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_healthy(process, port, health_path, startup_seconds, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(process: subprocess.Popen, port: int, path: str, seconds: float, log) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if http_status(port, path, timeout=2.0) == 200:
            return
        time.sleep(0.2)
    log.seek(0)
    output = log.read().decode(errors="replace")[-4000:]
    raise RuntimeError(f"gunicorn did not become healthy on port {port}:\n{output}")
