"""Backup and restore: pg_dump/pg_restore of the real database plus the media folder."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from orders.models import Order, OrderLine
from shop.management.commands.backup import libpq_target
from shop.models import User
from tests.factories import OrderFactory, OrderLineFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA_FILE = Path("products") / "teapot.jpg"
MEDIA_BYTES = b"\xff\xd8\xff\xe0 not really a jpeg \x00\x01"


def connect(*, dbname: str | None = None, autocommit: bool = False) -> psycopg.Connection:
    """A connection as the backup tools make it: the password travels beside the connection string."""
    conninfo, environment = libpq_target(dbname=dbname)
    password = environment.get("PGPASSWORD")
    return psycopg.connect(conninfo, autocommit=autocommit, **({"password": password} if password else {}))


def drop_database(name: str) -> None:
    with connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    drop_database(name)  # a leftover of an interrupted run
    yield name
    drop_database(name)


@pytest.fixture
def shop_with_orders(settings):
    """Two orders with lines, a customer, and one media file."""
    customer = UserFactory(email="ann@example.com")
    first = OrderFactory(
        user=customer,
        subtotal=Decimal("59.97"),
        shipping_total=Decimal("0.00"),
        grand_total=Decimal("59.97"),
    )
    OrderLineFactory(order=first, quantity=3, unit_price=Decimal("19.99"), line_total=Decimal("59.97"))
    second = OrderFactory()
    OrderLineFactory(order=second)
    media = Path(settings.MEDIA_ROOT)
    (media / MEDIA_FILE).parent.mkdir(parents=True)
    (media / MEDIA_FILE).write_bytes(MEDIA_BYTES)
    return first


def backup_into(folder: Path) -> Path:
    call_command("backup", output_dir=folder, stdout=StringIO())
    made = [path for path in folder.iterdir() if not path.name.startswith(".")]
    assert len(made) == 1
    return made[0]


def counts_in(database: str) -> dict[str, int]:
    tables = {"orders": Order, "lines": OrderLine, "users": User}
    with connect(dbname=database) as conn:
        return {
            key: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(model._meta.db_table))
            ).fetchone()[0]
            for key, model in tables.items()
        }


def test_backup_writes_the_dump_the_media_archive_and_a_manifest_for_the_owner_only(
    shop_with_orders, tmp_path
):
    folder = backup_into(tmp_path / "backups")

    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(path.name for path in folder.iterdir()) == ["db.dump", "manifest.json", "media.tar.gz"]
    assert (folder / "db.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert manifest["database"] == connection.settings_dict["NAME"]
    assert manifest["media_files"] == 1
    assert manifest["files"]["db.dump"]["bytes"] == (folder / "db.dump").stat().st_size
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {(folder / name).stat().st_mode & 0o777 for name in manifest["files"]} == {0o600}


def test_a_backup_restored_into_a_fresh_database_has_the_same_rows_totals_and_media(
    shop_with_orders, restored_database, settings, tmp_path
):
    order = shop_with_orders
    folder = backup_into(tmp_path / "backups")
    expected = counts_in(connection.settings_dict["NAME"])
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    call_command("restore", folder, database_name=restored_database, interactive=False, stdout=StringIO())

    with connect(dbname=restored_database) as conn:
        totals = conn.execute(
            "SELECT subtotal, shipping_total, grand_total FROM orders_order WHERE number = %s", [order.number]
        ).fetchone()
    assert counts_in(restored_database) == expected == {"orders": 2, "lines": 2, "users": 1}
    assert totals == (Decimal("59.97"), Decimal("0.00"), Decimal("59.97"))
    assert (tmp_path / "restored-media" / MEDIA_FILE).read_bytes() == MEDIA_BYTES


def test_restoring_over_the_live_database_brings_back_what_was_lost_since_the_backup(
    shop_with_orders, settings, tmp_path
):
    order = shop_with_orders
    folder = backup_into(tmp_path / "backups")
    Order.objects.filter(pk=order.pk).delete()  # the disaster
    UserFactory(email="later@example.com")
    media = Path(settings.MEDIA_ROOT)
    (media / MEDIA_FILE).unlink()

    call_command("restore", folder, interactive=False, stdout=StringIO())

    restored = Order.objects.get(number=order.number)
    kept = list(tmp_path.glob("media.before-restore-*"))
    assert restored.grand_total == Decimal("59.97")
    assert [line.quantity for line in restored.lines.all()] == [3]
    assert list(User.objects.values_list("email", flat=True)) == ["ann@example.com"]
    assert (media / MEDIA_FILE).read_bytes() == MEDIA_BYTES
    assert len(kept) == 1
    assert not (kept[0] / MEDIA_FILE).exists()


def test_a_damaged_backup_is_refused_and_nothing_is_touched(
    shop_with_orders, restored_database, settings, tmp_path
):
    folder = backup_into(tmp_path / "backups")
    dump = folder / "db.dump"
    dump.write_bytes(dump.read_bytes()[:-10])
    Order.objects.all().delete()

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", folder, interactive=False, stdout=StringIO())

    assert Order.objects.count() == 0
    assert (Path(settings.MEDIA_ROOT) / MEDIA_FILE).exists()
    assert not list(tmp_path.glob("media.before-restore-*"))


@pytest.mark.parametrize("remove", ["manifest.json", "media.tar.gz"])
def test_an_incomplete_backup_is_refused(shop_with_orders, tmp_path, remove):
    folder = backup_into(tmp_path / "backups")
    (folder / remove).unlink()

    with pytest.raises(CommandError, match=r"manifest|incomplete"):
        call_command("restore", folder, interactive=False, stdout=StringIO())


def test_restore_of_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No backup folder"):
        call_command("restore", tmp_path / "nope", interactive=False, stdout=StringIO())


def test_restore_asks_first_and_a_no_changes_nothing(shop_with_orders, tmp_path, monkeypatch):
    folder = backup_into(tmp_path / "backups")
    Order.objects.all().delete()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", folder, stdout=StringIO())

    assert Order.objects.count() == 0


def test_a_failed_backup_leaves_no_folder_behind(tmp_path):
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = "no_such_database_for_backup"
    try:
        with pytest.raises(CommandError, match="pg_dump failed"):
            call_command("backup", output_dir=tmp_path / "backups", stdout=StringIO())
    finally:
        connection.settings_dict["NAME"] = name

    assert list((tmp_path / "backups").iterdir()) == []


def test_backup_without_pg_dump_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("PG_BIN_DIR", str(tmp_path))

    with pytest.raises(CommandError, match="PG_BIN_DIR"):
        call_command("backup", output_dir=tmp_path / "backups", stdout=StringIO())
