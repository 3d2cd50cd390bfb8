"""Replacing the precomputed recommendations: fresh tables swapped in, one run at a time, no dead rows."""

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.exceptions import RecommendationsBusy
from catalog.models import CatalogRevision, ProductPopularity, ProductRecommendation
from catalog.recommendations import (
    RowsQuery,
    product_recommendations_rebuild,
    product_recommendations_replace,
)
from catalog.services import CATALOG_REVISION_PK
from tests.catalog.recommendation_helpers import product, recommend
from tests.factories import CategoryFactory

TABLES = [ProductRecommendation._meta.db_table, ProductPopularity._meta.db_table]


def schema() -> set[tuple[str, str, str, bool]]:
    """Every constraint and index of the two tables: (table, name, definition, validated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT tablename, indexname, indexdef, true FROM pg_indexes WHERE tablename = ANY(%s)",
            [TABLES, TABLES],
        )
        return set(cursor.fetchall())


def dead_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT SUM(n_dead_tup) FROM pg_stat_user_tables WHERE relname = ANY(%s)", [TABLES])
        return int(cursor.fetchone()[0])


def stored() -> list[tuple[int, int, int, int]]:
    return list(ProductRecommendation.objects.values_list("product", "recommended", "rank", "score"))


def slow_pairs(rows: list[tuple[int, int, int, int]], seconds: float) -> RowsQuery:
    """The rows, yielded only after ``seconds``: a long count, as on a big shop."""
    return RowsQuery(
        "SELECT t.* FROM pg_sleep(%(seconds)s), "
        "unnest(%(a)s::bigint[], %(b)s::bigint[], %(c)s::int[], %(d)s::int[]) AS t",
        {
            "seconds": seconds,
            **dict(zip("abcd", (list(column) for column in zip(*rows, strict=True)), strict=True)),
        },
    )


@pytest.mark.django_db
def test_the_swapped_in_tables_keep_every_constraint_and_index_name_and_bump_the_revision_once(
    django_capture_on_commit_callbacks,
):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    before = schema()
    revision = CatalogRevision.objects.get(pk=CATALOG_REVISION_PK).number

    recommend({sencha: [matcha, oolong], matcha: [sencha]}, popularity={sencha: 4, oolong: 1})
    with django_capture_on_commit_callbacks(execute=True):
        recommend({oolong: [sencha]}, popularity={matcha: 2})

    assert schema() == before
    assert CatalogRevision.objects.get(pk=CATALOG_REVISION_PK).number == revision + 1
    assert stored() == [(oolong.pk, sencha.pk, 1, 9)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_class WHERE relname LIKE %s", ["catalog_product%_fresh%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_second_run_leaves_no_dead_rows():
    tea = CategoryFactory()
    items = [product(f"Tea {number}", category=tea) for number in range(30)]
    rows = [(a.pk, b.pk, rank, 5) for a in items for rank, b in enumerate((b for b in items if b != a), 1)]
    sales = [(item.pk, 3, 2) for item in items]
    product_recommendations_replace(pairs=rows, popularity=sales)

    product_recommendations_replace(pairs=rows, popularity=sales)

    assert ProductRecommendation.objects.count() == 30 * 29
    assert dead_rows() == 0


@pytest.mark.django_db(transaction=True)
def test_readers_see_the_old_set_until_the_run_commits_and_a_second_run_meanwhile_changes_nothing():
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    recommend({sencha: [matcha]})
    new_rows = [(sencha.pk, oolong.pk, 1, 7), (oolong.pk, sencha.pk, 1, 7)]
    outcomes = []

    def run(pairs: RowsQuery) -> None:
        try:
            product_recommendations_rebuild(
                pairs=pairs, popularity=RowsQuery("SELECT 1, 1, 1 WHERE false", {})
            )
            outcomes.append("replaced")
        except RecommendationsBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    slow = threading.Thread(target=run, args=(slow_pairs(new_rows, 1.5),))
    slow.start()
    time.sleep(0.5)
    during = stored()
    second = threading.Thread(target=run, args=(slow_pairs([(matcha.pk, sencha.pk, 1, 1)], 0),))
    second.start()
    second.join()
    slow.join()

    assert during == [(sencha.pk, matcha.pk, 1, 9)]
    assert outcomes == ["busy", "replaced"]
    assert sorted(stored()) == sorted(new_rows)


@pytest.mark.django_db(transaction=True)
def test_compute_recommendations_command_stops_with_a_message_while_another_run_is_at_work():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    recommend({sencha: [matcha]})

    def run() -> None:
        try:
            product_recommendations_rebuild(
                pairs=slow_pairs([(matcha.pk, sencha.pk, 1, 3)], 1.5),
                popularity=RowsQuery("SELECT 1, 1, 1 WHERE false", {}),
            )
        finally:
            connection.close()

    slow = threading.Thread(target=run)
    slow.start()
    time.sleep(0.5)
    with pytest.raises(CommandError, match="Another compute_recommendations run is at work"):
        call_command("compute_recommendations")
    during = stored()
    slow.join()

    assert during == [(sencha.pk, matcha.pk, 1, 9)]
    assert stored() == [(matcha.pk, sencha.pk, 1, 3)]
