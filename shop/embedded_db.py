"""The embedded PostgreSQL used when DATABASE_URL is unset.

pgserver ships the server binaries as a wheel, so a fresh machine needs nothing
but Python. The server keeps running between commands (its data lives under
``var/postgres``) and is found again through its ``postmaster.pid``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATABASE_NAME = "shop"


def _import_pgserver():
    # pgserver asks platformdirs for a runtime dir at import; on servers
    # without XDG_RUNTIME_DIR that warns on every command.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def _running_socket(pgdata: Path) -> tuple[str, int] | None:
    PostmasterInfo = _import_pgserver().utils.PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running() or info.status != "ready" or info.socket_dir is None:
        return None
    return str(info.socket_dir), int(info.port)


def _start(pgdata: Path) -> tuple[str, int]:
    pgserver = _import_pgserver()

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, like a system
    # PostgreSQL would; `make stopdb` stops it.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    return str(info.socket_dir), int(info.port)


def _ensure_database(host: str, port: int) -> None:
    import psycopg

    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def database_settings(pgdata: Path) -> dict:
    """Return Django DATABASES["default"] for the embedded server, starting it if needed."""
    socket = _running_socket(pgdata)
    if socket is None:
        socket = _start(pgdata)
        _ensure_database(*socket)
    host, port = socket
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": host,
        "PORT": port,
    }


def stop(pgdata: Path) -> None:
    """Stop the embedded server if it runs."""
    import subprocess

    POSTGRES_BIN_PATH = _import_pgserver()._commands.POSTGRES_BIN_PATH

    if _running_socket(pgdata) is None:
        return
    pg_ctl = str(POSTGRES_BIN_PATH / "pg_ctl")
    subprocess.run(["su", "-s", "/bin/sh", "pgserver", "-c", f"{pg_ctl} -D {pgdata} -w stop"], check=False)
