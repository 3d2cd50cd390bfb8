"""The embedded PostgreSQL used when DATABASE_URL is unset.

pgserver ships the server binaries as a wheel, so a fresh machine needs nothing
but Python. The server keeps running between commands (its data lives under
``var/postgres``) and is found again through its ``postmaster.pid``.

pgserver sets the server up to trust every local connection, and when the data
folder's path is too long for a socket it puts the socket in a world-writable
folder. Both are closed here: the postgres role gets a random password, kept in
``var/postgres-password`` (readable by its owner only), pg_hba.conf asks for it
(scram-sha-256), and a socket folder of its own is open to the server's user only.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import warnings
from pathlib import Path

DATABASE_NAME = "shop"
PASSWORD_FILE_NAME = "postgres-password"
_TRUST = re.compile(r"^(\s*(?:local|host)\S*\s.*\s)trust(\s*(?:#.*)?)$", re.MULTILINE)


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


def _password(pgdata: Path) -> str:
    """The postgres role's password, made once and kept beside the data folder, owner-readable only."""
    path = pgdata.parent / PASSWORD_FILE_NAME
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    password = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
    return password


def _secure(pgdata: Path, host: str, port: int, password: str) -> None:
    """Ask every connection for the password and keep the socket folder to the server's user.

    Idempotent, and cheap once done: it reads pg_hba.conf and changes nothing.
    """
    import psycopg
    from psycopg import sql

    hba = pgdata / "pg_hba.conf"
    text = hba.read_text()
    if _TRUST.search(text):
        # Still trusting: the password is set before pg_hba.conf starts asking for it.
        with psycopg.connect(
            host=host, port=port, user="postgres", password=password, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(sql.SQL("ALTER ROLE postgres PASSWORD {}").format(sql.Literal(password)))
            with hba.open("r+") as handle:  # written in place: the server's user keeps owning it
                handle.seek(0)
                handle.write(_TRUST.sub(r"\1scram-sha-256\2", text))
                handle.truncate()
            conn.execute("SELECT pg_reload_conf()")
    socket_dir = Path(host)
    if socket_dir != pgdata and socket_dir.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        owner = pgdata.stat()
        os.chown(socket_dir, owner.st_uid, owner.st_gid)
        socket_dir.chmod(0o700)


def _ensure_database(host: str, port: int, password: str) -> None:
    import psycopg

    with psycopg.connect(
        host=host, port=port, user="postgres", password=password, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def database_settings(pgdata: Path) -> dict:
    """Return Django DATABASES["default"] for the embedded server, starting it if needed."""
    socket = _running_socket(pgdata)
    started = socket is None
    if started:
        socket = _start(pgdata)
    host, port = socket
    password = _password(pgdata)
    _secure(pgdata, host, port, password)
    if started:
        _ensure_database(host, port, password)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": password,
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
