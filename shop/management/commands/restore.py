"""``manage.py restore <backup folder>``: put a ``backup`` back, database and media folder.

Checks the backup first (manifest, SHA-256 of both files, a readable dump);
nothing is touched when any check fails. The database is restored with
pg_restore in one transaction (``--clean --if-exists``: every table in the
backup is dropped and recreated, so it fails as a whole or succeeds as a
whole). The media folder is unpacked beside the current one and swapped in;
the current one is kept as ``<media>.before-restore-<timestamp>``.

Stop the web processes and task workers first. ``--database-name`` restores
into another database on the same server instead (created when missing), for
a restore drill that leaves the live database alone.
"""

import json
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from psycopg import sql

from shop.management.commands.backup import (
    DUMP_NAME,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    MEDIA_ARCNAME,
    MEDIA_NAME,
    file_digest,
    libpq_target,
    pg_tool,
    run_tool,
)


def _manifest_checked(folder: Path) -> dict[str, Any]:
    """The backup's manifest, after checking that both files are there and unchanged."""
    if not folder.is_dir():
        raise CommandError(f"No backup folder at {folder}.")
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"{folder} has no readable {MANIFEST_NAME}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise CommandError(f"{folder / MANIFEST_NAME} is not a backup manifest this version can read.")
    for name in (DUMP_NAME, MEDIA_NAME):
        expected = manifest.get("files", {}).get(name, {})
        path = folder / name
        if not path.is_file():
            raise CommandError(f"The backup is incomplete: {path} is missing.")
        if file_digest(path) != expected.get("sha256"):
            raise CommandError(f"The backup is damaged: {path} does not match its checksum in the manifest.")
    return manifest


def _database_ensure(*, alias: str, name: str) -> bool:
    """Create database ``name`` on the alias's server when it is missing; True if it was created."""
    # CREATE DATABASE cannot run in a transaction: a separate autocommit
    # connection to the configured database (which exists) issues it.
    conninfo, environment = libpq_target(alias=alias)
    password = environment.get("PGPASSWORD")
    with psycopg.connect(conninfo, autocommit=True, **({"password": password} if password else {})) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def _media_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        top = Path(member.name).parts[0] if member.name else ""
        if top != MEDIA_ARCNAME:
            raise CommandError(f"{MEDIA_NAME} holds {member.name!r}, outside {MEDIA_ARCNAME}/.")
    return members


def _media_restore(*, archive: Path, media_root: Path, stamp: str) -> Path | None:
    """Unpack the archive beside ``media_root`` and swap it in; returns where the old folder went."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{media_root.name}.restoring-", dir=media_root.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # The "data" filter refuses absolute paths, links out of the tree and devices.
            tar.extractall(staging, members=_media_members(tar), filter="data")
        unpacked = staging / MEDIA_ARCNAME
        unpacked.mkdir(exist_ok=True)
        kept = None
        if media_root.exists():
            kept = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            media_root.rename(kept)
        unpacked.rename(media_root)
        return kept
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`: the database (pg_restore) and the media folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="the backup folder, e.g. var/backups/20250101T020000Z")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias to restore into")
        parser.add_argument(
            "--database-name",
            default=None,
            help="restore into this database on the same server instead (created when missing)",
        )
        parser.add_argument(
            "--media-root", type=Path, default=None, help="restore media here (default: MEDIA_ROOT)"
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask for confirmation"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["backup"].resolve()
        alias = options["database"]
        if alias not in connections:
            raise CommandError(f"Unknown database alias {alias!r}.")
        database_name = options["database_name"] or connections[alias].settings_dict["NAME"]
        media_root = (options["media_root"] or Path(settings.MEDIA_ROOT)).resolve()

        manifest = _manifest_checked(folder)
        pg_restore = pg_tool("pg_restore")
        conninfo, environment = libpq_target(alias=alias)
        run_tool([pg_restore, "--list", str(folder / DUMP_NAME)], environment=environment)

        if options["interactive"]:
            answer = input(
                f"This replaces database {database_name!r} and the media folder {media_root} with the "
                f"backup of {manifest.get('created_at', '?')}. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")

        if options["database_name"]:
            _database_ensure(alias=alias, name=database_name)
        conninfo, environment = libpq_target(alias=alias, dbname=database_name)
        run_tool(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={conninfo}",
                str(folder / DUMP_NAME),
            ],
            environment=environment,
        )
        kept = _media_restore(
            archive=folder / MEDIA_NAME,
            media_root=media_root,
            stamp=timezone.now().strftime("%Y%m%dT%H%M%SZ"),
        )
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Restored database {database_name!r} and media into {media_root} from {folder}."
            )
            if kept is not None:
                self.stdout.write(f"The previous media folder is kept at {kept}; delete it when satisfied.")
