"""``manage.py backup``: the database (pg_dump, custom format) and the media folder, in one folder.

Writes ``var/backups/<UTC timestamp>/`` with ``db.dump``, ``media.tar.gz`` and
``manifest.json`` (sizes and SHA-256 of both, checked by ``restore``). The
folder appears only when the backup is complete. pg_dump comes with pgserver
(PostgreSQL 16); set PG_BIN_DIR to use other client binaries, for example
when DATABASE_URL names a newer server.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from psycopg.conninfo import make_conninfo

DUMP_NAME = "db.dump"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"
MEDIA_ARCNAME = "media"
MANIFEST_FORMAT = 1
# libpq parameters a client tool needs; Django's own (cursor_factory, the
# session's statement_timeout options, ...) are left out: a dump of a large
# database may take longer than any web request is allowed to.
_LIBPQ_KEYS = (
    "host",
    "hostaddr",
    "port",
    "user",
    "dbname",
    "service",
    "passfile",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "target_session_attrs",
)


def default_backup_root() -> Path:
    """Where backups go unless --output-dir says otherwise."""
    return Path(settings.BASE_DIR) / "var" / "backups"


def pg_bin_dir() -> Path:
    """The folder with pg_dump and pg_restore: PG_BIN_DIR, else pgserver's bundled binaries."""
    configured = os.environ.get("PG_BIN_DIR", "")
    if configured:
        return Path(configured)
    from shop.embedded_db import _import_pgserver

    return Path(_import_pgserver()._commands.POSTGRES_BIN_PATH)


def pg_tool(name: str) -> str:
    """The path of one PostgreSQL client program; CommandError when it is missing."""
    path = pg_bin_dir() / name
    if not path.is_file() or not os.access(path, os.X_OK):
        raise CommandError(
            f"{name} not found in {path.parent} (set PG_BIN_DIR to the PostgreSQL bin folder)."
        )
    return str(path)


def libpq_target(*, alias: str = DEFAULT_DB_ALIAS, dbname: str | None = None) -> tuple[str, dict[str, str]]:
    """A connection string for a client tool, and its environment (the password goes there, not in argv)."""
    params: dict[str, Any] = connections[alias].get_connection_params()
    if dbname is not None:
        params["dbname"] = dbname
    conninfo = make_conninfo(**{key: params[key] for key in _LIBPQ_KEYS if params.get(key) not in (None, "")})
    environment = dict(os.environ)
    if params.get("password"):
        environment["PGPASSWORD"] = str(params["password"])
    return conninfo, environment


def run_tool(command: list[str], *, environment: dict[str, str]) -> str:
    """Run a client program; its stdout, or CommandError with the end of its stderr."""
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        name = Path(command[0]).name
        raise CommandError(f"{name} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _target_folder(root: Path) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    target = root / stamp
    suffix = 2
    while target.exists():
        target = root / f"{stamp}-{suffix}"
        suffix += 1
    return target


def _media_archive(*, media_root: Path, archive: Path) -> int:
    """Pack the media folder (or nothing, when there is none) as ``media/...``; returns the file count."""
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        if media_root.is_dir():
            tar.add(media_root, arcname=MEDIA_ARCNAME)
            count = sum(1 for path in media_root.rglob("*") if path.is_file())
    return count


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) and the media folder into var/backups/<timestamp>/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir", type=Path, default=None, help="folder for backups (default: var/backups)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias to back up")

    def handle(self, *args: Any, **options: Any) -> None:
        root = (options["output_dir"] or default_backup_root()).resolve()
        alias = options["database"]
        if alias not in connections:
            raise CommandError(f"Unknown database alias {alias!r}.")
        pg_dump = pg_tool("pg_dump")
        # Backups hold customer data and password hashes: readable by the owner only.
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = _target_folder(root)
        # Written beside the final name, renamed when complete: a folder with
        # the final name is always a whole backup.
        partial = root / f".{target.name}.partial"
        partial.mkdir(mode=0o700)
        try:
            conninfo, environment = libpq_target(alias=alias)
            run_tool(
                [pg_dump, "--format=custom", f"--file={partial / DUMP_NAME}", f"--dbname={conninfo}"],
                environment=environment,
            )
            media_root = Path(settings.MEDIA_ROOT)
            media_files = _media_archive(media_root=media_root, archive=partial / MEDIA_NAME)
            manifest = {
                "format": MANIFEST_FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": connections[alias].settings_dict["NAME"],
                "pg_dump_version": run_tool([pg_dump, "--version"], environment=environment).strip(),
                "media_files": media_files,
                "files": {
                    name: {"bytes": (partial / name).stat().st_size, "sha256": file_digest(partial / name)}
                    for name in (DUMP_NAME, MEDIA_NAME)
                },
            }
            (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
            for name in (DUMP_NAME, MEDIA_NAME, MANIFEST_NAME):
                (partial / name).chmod(0o600)
            partial.rename(target)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Backup written to {target} ({manifest['files'][DUMP_NAME]['bytes']} bytes of database, "
                f"{media_files} media files)."
            )
